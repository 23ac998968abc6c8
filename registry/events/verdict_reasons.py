"""An officer's event that changes what consumers are told about a product carries its
reason, as every other change an officer makes to an enterprise's data does (README:
API keys). An agency key can capture any EPCIS event; one that recalls, destroys,
decommissions, fails or otherwise condemns goods is refused without one.

The reason is `tx:reason` (or `tx:recallReason`, what the recall step writes) with `tx`
bound to TRUYXUAT_NS, or the CBV reason of an `errorDeclaration`. A failed inspection
that names its test report (a `testres` business transaction) has its reason there."""

from __future__ import annotations

from typing import Any, Final

from registry.actor import Actor
from registry.errors import FieldProblem
from registry.events.prepare import PreparedEvent
from registry.events.vocabulary import TRUYXUAT_NS

# CBV 2.0 §7.1 steps that end the goods' life whatever their disposition.
VERDICT_STEPS: Final = frozenset({"decommissioning", "destroying"})
# CBV 2.0 §7.3 dispositions that condemn the goods themselves (the consumer's journey
# shows recalled and non_conformant; the others end what may be sold). Dispositions about
# equipment or paperwork (needs_replacement, mismatch_*, …) are not the consumer's matter.
VERDICT_DISPOSITIONS: Final = frozenset(
    {"recalled", "non_conformant", "destroyed", "disposed", "damaged", "expired", "stolen"}
)
REASON_TERMS: Final = ("reason", "recallReason")


def changes_verdict(event: PreparedEvent) -> bool:
    return event.biz_step in VERDICT_STEPS or event.disposition in VERDICT_DISPOSITIONS


def _registry_prefixes(document: dict[str, Any]) -> set[str]:
    context = document.get("@context")
    entries = context if isinstance(context, list) else [context]
    return {
        prefix
        for entry in entries
        if isinstance(entry, dict)
        for prefix, namespace in entry.items()
        if namespace == TRUYXUAT_NS
    }


def _has_reason(document: dict[str, Any]) -> bool:
    for prefix in _registry_prefixes(document):
        for term in REASON_TERMS:
            value = document.get(f"{prefix}:{term}")
            if isinstance(value, str) and value.strip():
                return True
    declaration = document.get("errorDeclaration")
    if isinstance(declaration, dict) and str(declaration.get("reason") or "").strip():
        return True
    return any(
        isinstance(item, dict) and item.get("type") in ("testres", "urn:epcglobal:cbv:btt:testres")
        for item in document.get("bizTransactionList") or []
    )


def missing_reasons(
    *, actor: Actor, prepared: list[PreparedEvent]
) -> dict[int, list[FieldProblem]]:
    """Per event index, the officer's verdict-changing events that give no reason."""
    if not actor.is_agency:
        return {}
    return {
        event.index: [
            FieldProblem(
                f"eventList[{event.index}].tx:reason",
                f"Sự kiện {event.index}: sự kiện của cán bộ làm thay đổi kết luận về hàng hóa "
                f"({event.disposition or event.biz_step}) phải ghi lý do trong tx:reason "
                "(hoặc lý do của errorDeclaration).",
                f"Event {event.index}: an officer's event that changes the verdict on the goods "
                f"({event.disposition or event.biz_step}) must give its reason in tx:reason "
                "(or an errorDeclaration reason).",
            )
        ]
        for event in prepared
        if changes_verdict(event) and not _has_reason(event.document)
    }
