"""Posting a harvest through the portal form, and reading back the enterprise's events."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.events.models import EpcisEvent
from tests.portal.conftest import Browser


def post_harvest(browser: Browser, lot_id: int, location_id: int, quantity: str, unit: str):  # type: ignore[no-untyped-def]
    return browser.post(
        f"/portal/lots/{lot_id}/steps/harvest",
        {"event_time": "2026-05-02T07:30", "location_id": str(location_id),
         "quantity": quantity, "unit": unit},
    )  # fmt: skip


def event_count(session: Session, enterprise_id: int) -> int:
    count = select(func.count()).where(EpcisEvent.enterprise_id == enterprise_id)
    return session.scalar(count) or 0


def first_event(session: Session, enterprise_id: int) -> EpcisEvent:
    event = session.scalar(select(EpcisEvent).where(EpcisEvent.enterprise_id == enterprise_id))
    assert event is not None
    return event
