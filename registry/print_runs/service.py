"""Print runs: issuing serial ranges, voiding them, and checking a scanned serial."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from registry.actor import Actor, not_found, officer_reason
from registry.audit.service import record_change
from registry.db import utcnow
from registry.enterprises.models import Enterprise
from registry.enterprises.policy import Deed, ensure_allows
from registry.errors import Conflict, InvalidInput, RateLimited
from registry.lots.models import Lot
from registry.pagination import Page, paginate
from registry.print_runs import serials
from registry.print_runs.models import LabelRun, RunStatus, RunTemplate
from registry.settings import Settings, get_settings

WHAT = ("đợt in", "print run")


class SerialStatus(enum.StrEnum):
    issued = "issued"
    void = "void"
    never_issued = "never_issued"


@dataclass(frozen=True)
class RunLimits:
    """How much printing one request may ask for (TRUYXUAT_PRINT_* settings)."""

    max_labels: int
    max_queued_labels: int

    @classmethod
    def of(cls, settings: Settings) -> RunLimits:
        return cls(settings.print_run_max_labels, settings.print_queue_max_labels)


@dataclass(frozen=True)
class SerialCheck:
    status: SerialStatus
    run: LabelRun | None


def create_run(
    session: Session,
    *,
    actor: Actor,
    lot: Lot,
    count: int,
    serialized: bool,
    layout: str,
    label_size: str = "50x30",
    limits: RunLimits | None = None,
    template: RunTemplate = RunTemplate.product,
) -> LabelRun:
    actor.ensure_sees(lot.product.enterprise_id, what=("lô hàng", "lot"))
    ensure_allows(lot.product.enterprise, Deed.print_labels)
    limits = limits or RunLimits.of(get_settings())
    check_count(count, limits=limits)
    _check_queue(session, enterprise_id=lot.product.enterprise_id, count=count, limits=limits)
    # Lock the lot so two runs for it never receive overlapping serial ranges.
    session.execute(select(Lot.id).where(Lot.id == lot.id).with_for_update())
    used = session.scalar(
        select(func.coalesce(func.max(LabelRun.first_index + LabelRun.count), 0)).where(
            LabelRun.lot_id == lot.id, LabelRun.serialized.is_(True)
        )
    )
    run = LabelRun(
        enterprise_id=lot.product.enterprise_id,
        lot_id=lot.id,
        created_by=actor.label,
        count=count,
        serialized=serialized,
        first_index=int(used or 0) if serialized else 0,
        mac_key=secrets.token_bytes(32),
        layout=layout,
        label_size=label_size,
        template=template,
    )
    if serialized and run.first_index + count - 1 > serials.MAX_INDEX:
        raise InvalidInput(
            "Lô hàng đã dùng hết dải số sê-ri.",
            "The lot has no serial numbers left.",
            field="count",
        )
    session.add(run)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="create",
        entity="label_run",
        entity_id=run.id,
        enterprise_id=run.enterprise_id,
        after={
            "lot_id": lot.id,
            "count": count,
            "serialized": serialized,
            "layout": layout,
            "template": template.value,
        },
    )
    return run


def check_count(count: int, *, limits: RunLimits) -> int:
    if not 1 <= count <= limits.max_labels:
        raise InvalidInput(
            f"Số lượng tem mỗi đợt in phải từ 1 đến {limits.max_labels:,}.".replace(",", "."),
            f"The label count of a print run must be 1 to {limits.max_labels:,}.",
            field="count",
        )
    return count


def queued_labels(session: Session, *, enterprise_id: int) -> int:
    """Labels of the enterprise's live runs that are recorded but not yet rendered."""
    waiting = session.scalar(
        select(func.coalesce(func.sum(LabelRun.count - LabelRun.progress), 0)).where(
            LabelRun.enterprise_id == enterprise_id,
            LabelRun.status.in_([RunStatus.pending, RunStatus.rendering]),
            LabelRun.voided_at.is_(None),
        )
    )
    return int(waiting or 0)


def has_printed_labels(session: Session, *, enterprise_id: int) -> bool:
    """Whether the enterprise has a print run that is not voided (rendered or on its way)."""
    return (
        session.scalar(
            select(LabelRun.id)
            .where(LabelRun.enterprise_id == enterprise_id, LabelRun.voided_at.is_(None))
            .limit(1)
        )
        is not None
    )


def _check_queue(session: Session, *, enterprise_id: int, count: int, limits: RunLimits) -> None:
    # Lock the enterprise so two concurrent runs cannot both squeeze under the quota.
    session.execute(select(Enterprise.id).where(Enterprise.id == enterprise_id).with_for_update())
    waiting = queued_labels(session, enterprise_id=enterprise_id)
    if waiting + count > limits.max_queued_labels:
        quota = limits.max_queued_labels
        raise RateLimited(
            f"Doanh nghiệp đang có {waiting:,} tem chờ in; tối đa {quota:,} tem được chờ cùng"
            " lúc. Xin đợi các đợt in trước xong rồi thử lại.".replace(",", "."),
            f"Your enterprise has {waiting:,} labels waiting to print; at most {quota:,} may"
            " wait at once. Try again when earlier runs have printed.",
            field="count",
        )


def run_serials(run: LabelRun) -> list[str] | None:
    """Every serial of a run, in print order; None for a non-serialized run."""
    if not run.serialized:
        return None
    return list(iter_run_serials(run))


def iter_run_serials(run: LabelRun):  # type: ignore[no-untyped-def]
    return serials.serials(
        run.mac_key,
        gtin=run.lot.product.gtin,
        lot=run.lot.code,
        first_index=run.first_index,
        count=run.count,
    )


def void_run(session: Session, *, actor: Actor, run: LabelRun, reason: str) -> LabelRun:
    actor.ensure_sees(run.enterprise_id, what=("đợt in", "print run"))
    why = officer_reason(actor, enterprise_id=run.enterprise_id, reason=reason)
    if run.voided_at is None:
        run.voided_at = utcnow()
        run.void_reason = why
        record_change(
            session,
            actor=actor,
            action="void",
            entity="label_run",
            entity_id=run.id,
            enterprise_id=run.enterprise_id,
            reason=why,
        )
    return run


def check_serial(session: Session, *, lot: Lot, serial: str) -> SerialCheck:
    index = serials.serial_index(serial)
    if index is None:
        return SerialCheck(SerialStatus.never_issued, None)
    run = session.scalar(
        select(LabelRun).where(
            LabelRun.lot_id == lot.id,
            LabelRun.serialized.is_(True),
            LabelRun.first_index <= index,
            LabelRun.first_index + LabelRun.count > index,
        )
    )
    if run is None or not serials.is_authentic(
        run.mac_key, gtin=lot.product.gtin, lot=lot.code, serial=serial
    ):
        return SerialCheck(SerialStatus.never_issued, None)
    if run.voided_at is not None:
        return SerialCheck(SerialStatus.void, run)
    return SerialCheck(SerialStatus.issued, run)


def get_run(session: Session, *, actor: Actor, run_id: int) -> LabelRun:
    if (run := session.get(LabelRun, run_id)) is None:
        raise not_found(WHAT)
    actor.ensure_sees(run.enterprise_id, what=WHAT)
    return run


def list_runs(
    session: Session,
    *,
    actor: Actor,
    lot_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[LabelRun]:
    """Newest first; an enterprise sees its own runs only."""
    statement: Select[Any] = select(LabelRun).order_by(LabelRun.id.desc())
    if not actor.is_agency:
        statement = statement.where(LabelRun.enterprise_id == actor.enterprise_id)
    if lot_id is not None:
        statement = statement.where(LabelRun.lot_id == lot_id)
    return paginate(session, statement, page=page, per_page=per_page)


@dataclass(frozen=True)
class PrintedFile:
    path: Path
    filename: str


def printed_file(run: LabelRun) -> PrintedFile:
    """The run's PDF to download: only once rendered, and never of a voided run."""
    if run.voided_at is not None:
        raise Conflict("Đợt in này đã bị hủy.", "This print run has been voided.")
    if run.status is not RunStatus.done or not run.output_path:
        raise Conflict(
            f"Tệp in chưa sẵn sàng ({run.progress}/{run.count}).",
            f"The print file is not ready yet ({run.progress}/{run.count}).",
        )
    return PrintedFile(Path(run.output_path), f"tem-{run.lot.code}-dot{run.id}.pdf")
