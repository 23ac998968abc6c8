"""Company prefixes: requested by enterprises, granted by officers, and the allocation
of GTINs and GLNs from them.

Allocation is one atomic UPDATE … RETURNING on the prefix's counter, so any
number of concurrent requests get distinct numbers without a table lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.orm import Session

from registry.actor import Actor, ensure_officer, not_found, officer_reason
from registry.audit.service import record_change, snapshot
from registry.db import utcnow
from registry.enterprises.models import Enterprise
from registry.errors import Conflict, Exhausted, InvalidInput, RateLimited
from registry.gs1 import gs1_check_digit
from registry.pagination import Page, paginate
from registry.prefixes.models import (
    CompanyPrefix,
    PrefixRequest,
    PrefixRequestStatus,
    PrefixSource,
)
from registry.vn import VNRuleError, prefix_capacity, validate_company_prefix

WHAT = ("tiền tố mã doanh nghiệp", "company prefix")
# Whether a product or location already holds a key: asked by allocation.
InUse = Callable[[str], bool]
REQUEST_WHAT = ("yêu cầu cấp tiền tố", "prefix request")
REQUEST_AUDITED = [
    "source",
    "prefix",
    "licence_number",
    "licence_valid_from",
    "licence_valid_until",
    "certificate_path",
]
# Squatting by volume: an enterprise waits for answers before asking again.
MAX_PENDING_REQUESTS = 3
MAX_REQUESTS_PER_WINDOW = 10
REQUEST_WINDOW = dt.timedelta(hours=24)
MAX_LICENCE_NUMBER = 64


def _checked_prefix(prefix: str) -> str:
    try:
        return validate_company_prefix(prefix.strip())
    except VNRuleError as exc:
        raise InvalidInput(exc.message_vi, exc.message_en, field="prefix") from exc


def _related(column: Any, prefix: str) -> ColumnElement[bool]:
    """This prefix, one it is nested in, or one nested in it."""
    containing = [prefix[:length] for length in range(7, len(prefix) + 1)]
    return or_(column.in_(containing), column.startswith(prefix, autoescape=True))


def _overlapping(session: Session, prefix: str) -> CompanyPrefix | None:
    """A recorded prefix that is this one, or that contains or is contained by it."""
    return session.scalar(
        select(CompanyPrefix).where(_related(CompanyPrefix.prefix, prefix)).limit(1)
    )


def _new_prefix(prefix: str, source: PrefixSource, enterprise: Enterprise | None) -> CompanyPrefix:
    capacity = prefix_capacity(prefix)
    return CompanyPrefix(
        prefix=prefix,
        source=source,
        enterprise_id=enterprise.id if enterprise else None,
        assigned_at=utcnow() if enterprise else None,
        capacity=capacity,
        next_item_reference=0,
        next_location_reference=capacity - 1,
    )


def _ensure_free(session: Session, prefix: str) -> None:
    clash = _overlapping(session, prefix)
    if clash is None:
        return
    if clash.prefix == prefix:
        raise Conflict(
            f"Tiền tố {prefix} đã được cấp hoặc thuộc kho của Chi cục.",
            f"Prefix {prefix} is already granted or held in the agency's pool.",
            field="prefix",
        )
    raise Conflict(
        f"Tiền tố {prefix} lồng trong hoặc bao trùm tiền tố đã cấp {clash.prefix}.",
        f"Prefix {prefix} is nested in or covers the granted prefix {clash.prefix}.",
        field="prefix",
    )


def _ensure_not_requested(session: Session, prefix: str, enterprise: Enterprise) -> None:
    clash = session.scalar(
        select(PrefixRequest)
        .where(
            PrefixRequest.status == PrefixRequestStatus.pending,
            _related(PrefixRequest.prefix, prefix),
        )
        .limit(1)
    )
    if clash is None:
        return
    if clash.enterprise_id == enterprise.id:
        raise Conflict(
            f"Doanh nghiệp đã xin cấp tiền tố {clash.prefix}; yêu cầu đang chờ Chi cục xem xét.",
            f"The enterprise already requested prefix {clash.prefix}; "
            "the request is waiting for the agency.",
            field="prefix",
        )
    raise Conflict(
        f"Tiền tố {prefix} đang được một doanh nghiệp khác xin cấp. Nếu giấy chứng nhận "
        "của GS1 Việt Nam đứng tên doanh nghiệp bạn, hãy liên hệ Chi cục.",
        f"Prefix {prefix} is being requested by another enterprise. If the GS1 Vietnam "
        "certificate is in your enterprise's name, contact the agency.",
        field="prefix",
    )


def _ensure_within_request_limits(session: Session, enterprise: Enterprise) -> None:
    """Counted in the database, so the limit holds across worker processes and nodes."""
    pending = session.scalar(
        select(func.count())
        .select_from(PrefixRequest)
        .where(
            PrefixRequest.enterprise_id == enterprise.id,
            PrefixRequest.status == PrefixRequestStatus.pending,
        )
    )
    if (pending or 0) >= MAX_PENDING_REQUESTS:
        raise RateLimited(
            f"Doanh nghiệp đã có {pending} yêu cầu cấp tiền tố đang chờ; "
            "hãy đợi Chi cục trả lời trước khi gửi thêm.",
            f"The enterprise has {pending} prefix requests waiting; "
            "wait for the agency's answer before sending more.",
            field="prefix",
        )
    recent = session.scalar(
        select(func.count())
        .select_from(PrefixRequest)
        .where(
            PrefixRequest.enterprise_id == enterprise.id,
            PrefixRequest.created_at >= utcnow() - REQUEST_WINDOW,
        )
    )
    if (recent or 0) >= MAX_REQUESTS_PER_WINDOW:
        raise RateLimited(
            f"Doanh nghiệp đã gửi {recent} yêu cầu cấp tiền tố trong 24 giờ qua; "
            "hãy thử lại vào ngày mai.",
            f"The enterprise sent {recent} prefix requests in the last 24 hours; "
            "try again tomorrow.",
            field="prefix",
        )


@dataclass(frozen=True)
class LicenceEvidence:
    """What GS1 Vietnam's certificate says, and where its scan is stored."""

    licence_number: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    certificate_path: str | None


def _check_evidence(evidence: LicenceEvidence, *, today: dt.date) -> None:
    number = evidence.licence_number.strip()
    if not number or len(number) > MAX_LICENCE_NUMBER:
        raise InvalidInput(
            "Cần nhập số giấy chứng nhận quyền sử dụng mã số mã vạch (tối đa 64 ký tự).",
            "The licence (certificate) number is required (64 characters at most).",
            field="licence_number",
        )
    if evidence.valid_until is None:
        raise InvalidInput(
            "Cần nhập ngày hết hiệu lực của giấy chứng nhận.",
            "The certificate's expiry date is required.",
            field="licence_valid_until",
        )
    if evidence.valid_from is not None and evidence.valid_from > evidence.valid_until:
        raise InvalidInput(
            "Ngày hết hiệu lực phải sau ngày cấp.",
            "The expiry date must come after the issue date.",
            field="licence_valid_until",
        )
    if evidence.valid_until < today:
        raise InvalidInput(
            "Giấy chứng nhận đã hết hiệu lực; hãy gia hạn với GS1 Việt Nam trước.",
            "The certificate has expired; renew it with GS1 Vietnam first.",
            field="licence_valid_until",
        )
    if not evidence.certificate_path:
        raise InvalidInput(
            "Cần tải lên ảnh chụp giấy chứng nhận của GS1 Việt Nam.",
            "A scan of the GS1 Vietnam certificate is required.",
            field="certificate",
        )


def _record_request(
    session: Session, *, actor: Actor, request: PrefixRequest, action: str
) -> PrefixRequest:
    session.add(request)
    session.flush()
    record_change(
        session,
        actor=actor,
        action=action,
        entity="prefix_request",
        entity_id=request.id,
        enterprise_id=request.enterprise_id,
        after=snapshot(request, [*REQUEST_AUDITED, "status"]),
    )
    return request


def request_own_prefix(
    session: Session,
    *,
    actor: Actor,
    enterprise: Enterprise,
    prefix: str,
    evidence: LicenceEvidence,
) -> PrefixRequest:
    """Ask the agency to grant the prefix GS1 Vietnam licensed to the enterprise."""
    actor.ensure_sees(enterprise.id, what=("doanh nghiệp", "enterprise"))
    value = _checked_prefix(prefix)
    _check_evidence(evidence, today=utcnow().date())
    _ensure_free(session, value)
    _ensure_not_requested(session, value, enterprise)
    _ensure_within_request_limits(session, enterprise)
    request = PrefixRequest(
        enterprise_id=enterprise.id,
        source=PrefixSource.own,
        prefix=value,
        licence_number=evidence.licence_number.strip(),
        licence_valid_from=evidence.valid_from,
        licence_valid_until=evidence.valid_until,
        certificate_path=evidence.certificate_path,
        status=PrefixRequestStatus.pending,
    )
    return _record_request(session, actor=actor, request=request, action="request")


def request_pool_prefix(session: Session, *, actor: Actor, enterprise: Enterprise) -> PrefixRequest:
    """Ask the agency for any prefix from its pool."""
    actor.ensure_sees(enterprise.id, what=("doanh nghiệp", "enterprise"))
    waiting = session.scalar(
        select(PrefixRequest.id).where(
            PrefixRequest.enterprise_id == enterprise.id,
            PrefixRequest.source == PrefixSource.pool,
            PrefixRequest.status == PrefixRequestStatus.pending,
        )
    )
    if waiting is not None:
        raise Conflict(
            "Doanh nghiệp đã xin Chi cục cấp tiền tố; yêu cầu đang chờ xem xét.",
            "The enterprise already asked the agency for a prefix; the request is waiting.",
            field="prefix",
        )
    _ensure_within_request_limits(session, enterprise)
    request = PrefixRequest(
        enterprise_id=enterprise.id, source=PrefixSource.pool, status=PrefixRequestStatus.pending
    )
    return _record_request(session, actor=actor, request=request, action="request")


def get_prefix_request(
    session: Session, *, actor: Actor, request_id: int, for_decision: bool = False
) -> PrefixRequest:
    statement = select(PrefixRequest).where(PrefixRequest.id == request_id)
    if for_decision:
        # Two officers deciding the same request at once: the second waits, then sees it decided.
        statement = statement.with_for_update()
    request = session.scalar(statement)
    if request is None:
        raise not_found(REQUEST_WHAT)
    actor.ensure_sees(request.enterprise_id, what=REQUEST_WHAT)
    return request


def list_prefix_requests(
    session: Session,
    *,
    actor: Actor,
    status: PrefixRequestStatus | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[PrefixRequest]:
    statement: Select[Any] = select(PrefixRequest).order_by(PrefixRequest.id)
    if not actor.is_agency:
        statement = statement.where(PrefixRequest.enterprise_id == actor.enterprise_id)
    if status is not None:
        statement = statement.where(PrefixRequest.status == status)
    return paginate(session, statement, page=page, per_page=per_page)


def prefixes_of(session: Session, *, enterprise_id: int) -> list[CompanyPrefix]:
    return list(
        session.scalars(
            select(CompanyPrefix)
            .where(CompanyPrefix.enterprise_id == enterprise_id)
            .order_by(CompanyPrefix.id)
        )
    )


def pending_requests_of(
    session: Session, *, enterprise_ids: Collection[int]
) -> dict[int, list[PrefixRequest]]:
    """The waiting requests of each of these enterprises, oldest first."""
    waiting: dict[int, list[PrefixRequest]] = {}
    for request in session.scalars(
        select(PrefixRequest)
        .where(
            PrefixRequest.enterprise_id.in_(enterprise_ids),
            PrefixRequest.status == PrefixRequestStatus.pending,
        )
        .order_by(PrefixRequest.id)
    ):
        waiting.setdefault(request.enterprise_id, []).append(request)
    return waiting


def latest_refusals(session: Session, *, enterprise_id: int, limit: int) -> list[PrefixRequest]:
    """The enterprise's latest refused requests, newest first (granted ones are prefixes)."""
    return list(
        session.scalars(
            select(PrefixRequest)
            .where(
                PrefixRequest.enterprise_id == enterprise_id,
                PrefixRequest.status == PrefixRequestStatus.rejected,
            )
            .order_by(PrefixRequest.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Clashes:
    """What a waiting request overlaps: granted (or pool) prefixes, other waiting requests."""

    granted: list[str]
    requested: list[str]


def clashes_of(session: Session, request: PrefixRequest) -> Clashes:
    if not request.prefix:
        return Clashes([], [])
    granted = session.scalars(
        select(CompanyPrefix.prefix).where(_related(CompanyPrefix.prefix, request.prefix))
    ).all()
    requested = session.scalars(
        select(PrefixRequest.prefix).where(
            PrefixRequest.id != request.id,
            PrefixRequest.status == PrefixRequestStatus.pending,
            _related(PrefixRequest.prefix, request.prefix),
        )
    ).all()
    return Clashes(list(granted), [p for p in requested if p])


def count_pending_requests(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(PrefixRequest)
            .where(PrefixRequest.status == PrefixRequestStatus.pending)
        )
        or 0
    )


def _ensure_pending(request: PrefixRequest) -> None:
    if request.status is not PrefixRequestStatus.pending:
        raise Conflict(
            "Yêu cầu này đã được xử lý.",
            "This request has already been decided.",
            field="status",
        )


def _next_free_pool_prefix(session: Session, prefix_length: int | None = None) -> CompanyPrefix:
    statement = (
        select(CompanyPrefix)
        .where(CompanyPrefix.source == PrefixSource.pool, CompanyPrefix.enterprise_id.is_(None))
        .order_by(CompanyPrefix.prefix)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if prefix_length is not None:
        statement = statement.where(CompanyPrefix.prefix.like("_" * prefix_length))
    row = session.scalar(statement)
    if row is None:
        raise Exhausted(
            "Kho tiền tố của Chi cục đã hết; hãy liên hệ quản trị viên.",
            "The agency's prefix pool is empty; contact the administrator.",
            field="prefix",
        )
    return row


def _decide(
    session: Session,
    *,
    actor: Actor,
    request: PrefixRequest,
    status: PrefixRequestStatus,
    reason: str | None,
    action: str,
) -> None:
    request.status = status
    request.decision_reason = reason
    request.decided_at = utcnow()
    record_change(
        session,
        actor=actor,
        action=action,
        entity="prefix_request",
        entity_id=request.id,
        enterprise_id=request.enterprise_id,
        before={"status": PrefixRequestStatus.pending},
        after={
            "status": status,
            "prefix": request.prefix,
            "reason": reason,
        },
    )


def grant_prefix_request(
    session: Session, *, actor: Actor, request: PrefixRequest, reason: str | None = None
) -> CompanyPrefix:
    """The officer's grant, with its reason: only now may GTINs and GLNs be issued under
    the prefix."""
    ensure_officer(actor)
    _ensure_pending(request)
    enterprise = request.enterprise
    if request.source is PrefixSource.own:
        assert request.prefix is not None
        _ensure_free(session, request.prefix)
        why = officer_reason(actor, enterprise_id=request.enterprise_id, reason=reason)
        granted = _new_prefix(request.prefix, PrefixSource.own, enterprise)
        session.add(granted)
    else:
        granted = _next_free_pool_prefix(session)
        why = officer_reason(actor, enterprise_id=request.enterprise_id, reason=reason)
        granted.enterprise_id = enterprise.id
        granted.assigned_at = utcnow()
        request.prefix = granted.prefix
    session.flush()
    request.company_prefix_id = granted.id
    _decide(
        session,
        actor=actor,
        request=request,
        status=PrefixRequestStatus.granted,
        reason=why,
        action="grant",
    )
    return granted


def reject_prefix_request(
    session: Session, *, actor: Actor, request: PrefixRequest, reason: str | None
) -> PrefixRequest:
    ensure_officer(actor)
    _ensure_pending(request)
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(
            "Cần ghi rõ lý do để doanh nghiệp biết.",
            "A reason is required, so that the enterprise knows why.",
            field="reason",
        )
    _decide(
        session,
        actor=actor,
        request=request,
        status=PrefixRequestStatus.rejected,
        reason=text,
        action="reject",
    )
    return request


def record_granted_prefix(
    session: Session,
    *,
    actor: Actor,
    enterprise: Enterprise,
    prefix: str,
    reason: str | None = None,
) -> CompanyPrefix:
    """An officer records a licence they have checked themselves: granted at once."""
    ensure_officer(actor)
    value = _checked_prefix(prefix)
    _ensure_free(session, value)
    why = officer_reason(actor, enterprise_id=enterprise.id, reason=reason)
    row = _new_prefix(value, PrefixSource.own, enterprise)
    session.add(row)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="grant",
        entity="company_prefix",
        entity_id=row.id,
        enterprise_id=enterprise.id,
        after={"prefix": value},
        reason=why,
    )
    return row


def add_pool_prefix(session: Session, *, actor: Actor, prefix: str) -> CompanyPrefix:
    """A prefix the agency holds and may assign to enterprises that have none.

    Pending requests do not hold a number: the agency's word comes first, and a request
    that now overlaps the pool can no longer be granted."""
    actor.ensure_admin()
    value = _checked_prefix(prefix)
    _ensure_free(session, value)
    row = _new_prefix(value, PrefixSource.pool, None)
    session.add(row)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="add_to_pool",
        entity="company_prefix",
        entity_id=row.id,
        after={"prefix": value},
    )
    return row


def assign_pool_prefix(
    session: Session,
    *,
    actor: Actor,
    enterprise: Enterprise,
    prefix_length: int | None = None,
    reason: str | None = None,
) -> CompanyPrefix:
    """The officer assigns a pool prefix directly; a waiting pool request is thereby granted."""
    ensure_officer(actor)
    waiting = session.scalar(
        select(PrefixRequest)
        .where(
            PrefixRequest.enterprise_id == enterprise.id,
            PrefixRequest.source == PrefixSource.pool,
            PrefixRequest.status == PrefixRequestStatus.pending,
        )
        .with_for_update()
    )
    row = _next_free_pool_prefix(session, prefix_length)
    why = officer_reason(actor, enterprise_id=enterprise.id, reason=reason)
    row.enterprise_id = enterprise.id
    row.assigned_at = utcnow()
    record_change(
        session,
        actor=actor,
        action="assign",
        entity="company_prefix",
        entity_id=row.id,
        enterprise_id=enterprise.id,
        after={"prefix": row.prefix},
        reason=why,
    )
    if waiting is not None:
        waiting.prefix = row.prefix
        waiting.company_prefix_id = row.id
        _decide(
            session,
            actor=actor,
            request=waiting,
            status=PrefixRequestStatus.granted,
            reason=why,
            action="grant",
        )
    return row


def get_prefix(session: Session, *, actor: Actor, prefix_id: int) -> CompanyPrefix:
    row = session.get(CompanyPrefix, prefix_id)
    if row is None:
        raise not_found(WHAT)
    actor.ensure_sees(row.enterprise_id, what=WHAT)
    return row


def default_prefix(session: Session, *, enterprise: Enterprise) -> CompanyPrefix:
    row = session.scalar(
        select(CompanyPrefix)
        .where(CompanyPrefix.enterprise_id == enterprise.id)
        .order_by(CompanyPrefix.assigned_at, CompanyPrefix.id)
        .limit(1)
    )
    if row is None:
        raise InvalidInput(
            "Doanh nghiệp chưa có tiền tố mã GS1; hãy nhập tiền tố hoặc xin cấp từ Chi cục.",
            "The enterprise has no GS1 company prefix yet; "
            "record one or request one from the agency.",
            field="prefix",
        )
    return row


def _key(prefix: str, reference: int) -> str:
    digits = prefix + str(reference).zfill(12 - len(prefix))
    return digits + gs1_check_digit(digits)


def _take_next(session: Session, prefix: CompanyPrefix, *, for_location: bool) -> int:
    column = (
        CompanyPrefix.next_location_reference if for_location else CompanyPrefix.next_item_reference
    )
    step = -1 if for_location else 1
    statement = (
        update(CompanyPrefix)
        .where(
            CompanyPrefix.id == prefix.id,
            CompanyPrefix.next_item_reference <= CompanyPrefix.next_location_reference,
        )
        .values({column: column + step})
        .returning(column)
        .execution_options(synchronize_session=False)
    )
    taken = session.scalar(statement)
    if taken is None:
        raise Exhausted(
            f"Tiền tố {prefix.prefix} đã dùng hết {prefix.capacity:,} mã.",
            f"Prefix {prefix.prefix} has used all of its {prefix.capacity:,} numbers.",
            field="prefix",
        )
    return int(taken) - step


def gtin_for_reference(prefix: CompanyPrefix, item_reference: int) -> str:
    """The GTIN (14 digits) an enterprise asks for by item reference; the caller checks
    that no product holds it yet."""
    if not 0 <= item_reference < prefix.capacity:
        raise InvalidInput(
            f"Số tham chiếu vật phẩm phải từ 0 đến {prefix.capacity - 1}.",
            f"The item reference must be between 0 and {prefix.capacity - 1}.",
            field="item_reference",
        )
    return "0" + _key(prefix.prefix, item_reference)


# Allocation flows one way: products and locations ask for numbers and say which are
# taken, so this folder never reads their tables.
def allocate_gtin(session: Session, *, prefix: CompanyPrefix, in_use: InUse) -> str:
    """The next free GTIN (14 digits)."""
    while True:
        gtin = "0" + _key(prefix.prefix, _take_next(session, prefix, for_location=False))
        # Skip numbers someone took by asking for that item reference explicitly.
        if not in_use(gtin):
            return gtin


def allocate_gln(session: Session, *, prefix: CompanyPrefix, in_use: InUse) -> str:
    while True:
        gln = _key(prefix.prefix, _take_next(session, prefix, for_location=True))
        if not in_use(gln):
            return gln


def owning_prefix(session: Session, *, enterprise_id: int, key: str) -> CompanyPrefix | None:
    """The enterprise's prefix a 13-digit key (GTIN-13 or GLN) was made from, if any."""
    candidates = [key[:length] for length in range(7, 11)]
    return session.scalar(
        select(CompanyPrefix).where(
            CompanyPrefix.enterprise_id == enterprise_id, CompanyPrefix.prefix.in_(candidates)
        )
    )
