"""A small world for the subscription tests: two enterprises with a lot, a farm and keys."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from registry.accounts.models import ApiKey, KeyScope, Role
from registry.events.steps import gln_uri, lot_uri
from registry.models import Base
from tests.factories import (
    api_headers,
    epcis_document,
    make_enterprise,
    make_location,
    make_lot,
    make_product,
)

EVENT_DAY = (dt.date.today() - dt.timedelta(days=2)).isoformat()
_minutes = itertools.count(1)


@dataclass(frozen=True)
class Party:
    lot_uri: str
    farm_uri: str
    headers: dict[str, str]


@dataclass(frozen=True)
class World:
    a: Party
    b: Party
    agency_headers: dict[str, str]
    a_second_headers: dict[str, str]
    """Another key of A's."""


def _party(session: Session) -> Party:
    enterprise = make_enterprise(session)
    lot = make_lot(session, product=make_product(session, enterprise=enterprise))
    farm = make_location(session, enterprise=enterprise)
    return Party(lot_uri(lot), gln_uri(farm.gln), api_headers(session, enterprise=enterprise))


def build_world(session: Session) -> World:
    a = _party(session)
    enterprise_a = session.get_one(ApiKey, _key_id(session, a.headers)).enterprise
    return World(
        a,
        _party(session),
        api_headers(session, role=Role.agency, scope=KeyScope.read),
        api_headers(session, enterprise=enterprise_a),
    )


def _key_id(session: Session, headers: dict[str, str]) -> int:
    lookup = headers["Authorization"].split("_")[1]
    key_id = session.scalar(select(ApiKey.id).where(ApiKey.lookup == lookup))
    assert key_id is not None
    return key_id


def inspection(party: Party, *, biz_step: str = "inspecting") -> dict[str, Any]:
    """An EPCISDocument with one new event of the party's lot (a distinct eventTime each)."""
    minute = next(_minutes)
    event = {
        "type": "ObjectEvent",
        "eventTime": f"{EVENT_DAY}T{8 + minute // 60:02d}:{minute % 60:02d}:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": biz_step,
        "quantityList": [{"epcClass": party.lot_uri}],
        "readPoint": {"id": party.farm_uri},
    }
    return epcis_document(event, day=EVENT_DAY)


def table_rows(connection: Connection, *names: str) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of the named tables: what "nothing changed" is checked on."""
    return {
        name: sorted(
            (tuple(r) for r in connection.execute(select(Base.metadata.tables[name]))), key=repr
        )
        for name in names
    }


SUBSCRIPTION_TABLES = ("epcis_named_query", "epcis_subscription", "epcis_dead_letter")
