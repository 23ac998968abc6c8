"""The agency's triage of consumer reports: new → in progress → resolved or dismissed.

The report model's own `status` (new / in_review / closed) cannot tell a resolved
report from a dismissed one, so triage lives in its own table keyed by report id;
the report's status is kept in step so the resolver side sees the same picture.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy import Enum, ForeignKey, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from registry.actor import Actor, not_found
from registry.audit.service import record_change
from registry.db import Base, UTCDateTime, utcnow
from registry.errors import InvalidInput
from registry.reports.models import ConsumerReport, ReportStatus


class TriageStatus(enum.StrEnum):
    new = "new"
    in_progress = "in_progress"
    resolved = "resolved"
    dismissed = "dismissed"

    @property
    def report_status(self) -> ReportStatus:
        """What the report itself says: resolved and dismissed both close it."""
        if self is TriageStatus.new:
            return ReportStatus.new
        if self is TriageStatus.in_progress:
            return ReportStatus.in_review
        return ReportStatus.closed


class ReportTriage(Base):
    __tablename__ = "report_triage"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("consumer_report.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[TriageStatus] = mapped_column(
        Enum(TriageStatus, native_enum=False, length=16), default=TriageStatus.new, index=True
    )
    note: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class TriagedReport:
    report: ConsumerReport
    status: TriageStatus
    note: str | None


def get_report(session: Session, *, actor: Actor, report_id: int) -> ConsumerReport:
    actor.ensure_agency()
    if (report := session.get(ConsumerReport, report_id)) is None:
        raise not_found(("phản ánh", "report"))
    return report


def triage_report(
    session: Session,
    *,
    actor: Actor,
    report: ConsumerReport,
    status: TriageStatus,
    note: str | None = None,
) -> ReportTriage:
    actor.ensure_agency()
    text = (note or "").strip() or None
    if status is TriageStatus.dismissed and not text:
        raise InvalidInput(
            "Cần ghi lý do khi bỏ qua phản ánh.",
            "A reason is required to dismiss a report.",
            field="note",
        )
    triage = session.get(ReportTriage, report.id)
    before = {"status": triage.status if triage else TriageStatus.new.value}
    if triage is None:
        triage = ReportTriage(report_id=report.id, updated_by=actor.label)
        session.add(triage)
    triage.status = status
    triage.note = text
    triage.updated_by = actor.label
    triage.updated_at = utcnow()
    report.status = status.report_status
    record_change(
        session,
        actor=actor,
        action="triage",
        entity="consumer_report",
        entity_id=report.id,
        before=before,
        after={"status": status.value, "note": text},
    )
    session.flush()
    return triage


def list_reports(
    session: Session, *, actor: Actor, status: TriageStatus | None = None, limit: int = 200
) -> list[TriagedReport]:
    """Newest first; reports nobody has triaged yet count as new."""
    actor.ensure_agency()
    statement = (
        select(ConsumerReport, ReportTriage)
        .outerjoin(ReportTriage, ReportTriage.report_id == ConsumerReport.id)
        .order_by(ConsumerReport.created_at.desc(), ConsumerReport.id.desc())
        .limit(limit)
    )
    if status is TriageStatus.new:
        statement = statement.where(
            (ReportTriage.status.is_(None)) | (ReportTriage.status == TriageStatus.new)
        )
    elif status is not None:
        statement = statement.where(ReportTriage.status == status)
    return [
        TriagedReport(
            report, triage.status if triage else TriageStatus.new, triage.note if triage else None
        )
        for report, triage in session.execute(statement)
    ]


def count_new_reports(session: Session) -> int:
    """Reports waiting for a first look: never triaged, or put back to new."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(ConsumerReport)
            .outerjoin(ReportTriage, ReportTriage.report_id == ConsumerReport.id)
            .where((ReportTriage.status.is_(None)) | (ReportTriage.status == TriageStatus.new))
        )
        or 0
    )
