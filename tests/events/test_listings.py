"""The REST binding's listings: GET /capture, /epcs, /bizLocations, /readPoints,
/bizSteps, /dispositions, /eventTypes and each value's sub-resources. Each caller lists
what concerns it only, pages follow the Link header, and every bad request ends in a
problem JSON 4xx that changes nothing."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.models import ApiKey, KeyScope, Role
from registry.db import utcnow
from registry.events.identifiers import Key
from registry.events.models import CaptureJob, EpcisEvent
from registry.events.query import MAX_PER_PAGE
from registry.events.steps import gln_uri, lot_uri
from tests.events.test_capture import capture_completely
from tests.factories import (
    api_headers,
    epcis_document,
    make_enterprise,
    make_location,
    make_lot,
    make_product,
)

DAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()


@dataclass(frozen=True)
class Party:
    headers: dict[str, str]
    serial: str
    lot: str
    farm: str
    capture_id: str


def _party(client: TestClient, session: Session, serial: str) -> Party:
    enterprise = make_enterprise(session)
    lot = make_lot(session, product=make_product(session, enterprise=enterprise))
    farm = gln_uri(make_location(session, enterprise=enterprise).gln)
    headers = api_headers(session, enterprise=enterprise)
    epc = Key(("01", lot.product.gtin), (("21", serial),)).uri()
    event = {
        "type": "ObjectEvent",
        "eventTime": f"{DAY}T09:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "epcList": [epc],
        "quantityList": [{"epcClass": lot_uri(lot)}],
        "readPoint": {"id": farm},
        "bizLocation": {"id": farm},
    }
    capture_completely(client, headers, epcis_document(event, day=DAY))
    job = session.scalars(select(CaptureJob).where(CaptureJob.enterprise_id == enterprise.id)).one()
    return Party(headers, epc, lot_uri(lot), farm, job.id)


@dataclass(frozen=True)
class Listed:
    a: Party
    b: Party
    agency: dict[str, str]


@pytest.fixture
def listed(client: TestClient, db_session: Session) -> Listed:
    return Listed(
        _party(client, db_session, "LISTA1"),
        _party(client, db_session, "LISTB1"),
        api_headers(db_session, role=Role.agency, scope=KeyScope.read),
    )


def _members(client: TestClient, headers: dict[str, str], path: str) -> list[Any]:
    """Every member of a listing, page after page by its Link header (3 a page)."""
    members: list[Any] = []
    url: str | None = f"{path}?perPage=3"
    while url is not None:
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        members.extend(body if isinstance(body, list) else body["member"])
        link = answer.headers.get("link")
        assert link is None or link.endswith('>; rel="next"')
        url = link.split(">")[0].removeprefix("<") if link else None
    assert len(members) == len(set(map(json.dumps, members)))
    return members


def test_each_caller_lists_what_concerns_it(client: TestClient, listed: Listed) -> None:
    a, b = listed.a, listed.b
    for party, other in ((a, b), (b, a)):
        epcs = _members(client, party.headers, "/epcis/epcs")
        assert {party.serial, party.lot} <= set(epcs)
        assert not {other.serial, other.lot} & set(epcs)
        for resource in ("bizLocations", "readPoints"):
            places = _members(client, party.headers, f"/epcis/{resource}")
            assert party.farm in places and other.farm not in places
        jobs = [job["captureID"] for job in _members(client, party.headers, "/epcis/capture")]
        assert jobs == [party.capture_id]
        for path in (
            f"/epcis/epcs/{quote(other.serial, safe='')}",
            f"/epcis/epcs/{quote(other.lot, safe='')}",
            f"/epcis/bizLocations/{quote(other.farm, safe='')}",
            f"/epcis/readPoints/{quote(other.farm, safe='')}",
            f"/epcis/capture/{other.capture_id}",
        ):
            refused = client.get(path, headers=party.headers)
            assert refused.status_code == 404, path
            assert refused.json()["type"] == "epcisException:NoSuchNameException"
        own = client.get(f"/epcis/epcs/{quote(party.serial, safe='')}", headers=party.headers)
        assert own.status_code == 200 and own.json()["member"] == ["events"]
    everything = _members(client, listed.agency, "/epcis/epcs")
    assert {a.serial, a.lot, b.serial, b.lot} <= set(everything)
    jobs = {job["captureID"] for job in _members(client, listed.agency, "/epcis/capture")}
    assert {a.capture_id, b.capture_id} <= jobs
    _vocabularies_list_the_standard_terms_and_their_values_resolve(client, listed)
    _listings_answer_json_only(client, listed)
    _huge_per_page_is_served_at_the_limit(client, listed)


def _vocabularies_list_the_standard_terms_and_their_values_resolve(
    client: TestClient, listed: Listed
) -> None:
    headers = listed.a.headers
    assert {"inspecting", "shipping"} <= set(_members(client, headers, "/epcis/bizSteps"))
    assert "recalled" in _members(client, headers, "/epcis/dispositions")
    assert "ObjectEvent" in _members(client, headers, "/epcis/eventTypes")
    for path in (
        "/epcis/bizSteps/shipping",
        "/epcis/bizSteps/" + quote("https://ref.gs1.org/cbv/BizStep-shipping", safe=""),
        "/epcis/dispositions/in_progress",
        "/epcis/eventTypes/AssociationEvent",
        f"/epcis/bizLocations/{quote(listed.a.farm, safe='')}",
    ):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200, path
        assert answer.json()["member"] == ["events"]
    for path in ("/epcis/bizSteps/example:unknown", "/epcis/eventTypes/ex:Other"):
        assert client.get(path, headers=headers).status_code == 404, path
    urns = client.get("/epcis/epcs", headers={**headers, "GS1-EPC-Format": "Always_EPC_URN"})
    assert all(m.startswith(("urn:epc:", "https://")) for m in urns.json()["member"])
    assert any(m.startswith("urn:epc:id:sgtin:") for m in urns.json()["member"])


def _token(fields: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")


LISTINGS = ("/epcis/capture", "/epcis/epcs", "/epcis/bizLocations", "/epcis/bizSteps")


def _bad_paging_is_refused_naming_the_parameter(
    client: TestClient, listed: Listed, db_session: Session, path: str
) -> None:
    before = db_session.scalar(select(EpcisEvent.id).order_by(EpcisEvent.id.desc()).limit(1))
    for params in (
        {"nextPageToken": "x!"},
        {"nextPageToken": "\x00"},
        {"nextPageToken": _token({"after": "a"})},
        {"nextPageToken": _token(["a", "b", "c"])},
        {"nextPageToken": _token([1])},
        {"nextPageToken": _token([""])},
        {"nextPageToken": "A" * 5000},
        {"perPage": "0"},
        {"perPage": "-3"},
        {"perPage": "²"},
        {"perPage": "ten"},
        {"orderBy": "eventTime"},
    ):
        answer = client.get(path, params=params, headers=listed.a.headers)
        assert answer.status_code == 400, (path, params)
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["type"] == "epcisException:QueryParameterException"
        assert problem["errors"][0]["field"] in params
        assert problem["errors"][0]["message_vi"] and problem["errors"][0]["message_en"]
    other_shape = _token(["a"]) if path == "/epcis/capture" else _token(["x", "y"])
    answer = client.get(path, params={"nextPageToken": other_shape}, headers=listed.a.headers)
    assert answer.status_code == 400
    after = db_session.scalar(select(EpcisEvent.id).order_by(EpcisEvent.id.desc()).limit(1))
    assert before == after


def _huge_per_page_is_served_at_the_limit(client: TestClient, listed: Listed) -> None:
    for per_page in (str(MAX_PER_PAGE + 1), "9" * 400):
        for path in (*LISTINGS, "/epcis/events"):
            answer = client.get(path, params={"perPage": per_page}, headers=listed.agency)
            assert answer.status_code == 200, (path, answer.text)


def _a_revoked_or_missing_key_lists_nothing(
    client: TestClient, listed: Listed, db_session: Session
) -> None:
    lookup = listed.a.headers["Authorization"].split("_")[1]
    key = db_session.scalars(select(ApiKey).where(ApiKey.lookup == lookup)).one()
    key.revoked_at = utcnow()
    db_session.flush()
    farm = quote(listed.a.farm, safe="")
    for path in (*LISTINGS, "/epcis/readPoints", f"/epcis/bizLocations/{farm}", "/epcis/epcs/x"):
        for headers in (listed.a.headers, {}):
            answer = client.get(path, headers=headers)
            assert answer.status_code == 401, path
            assert answer.json()["type"] == "epcisException:SecurityException"


def _listings_answer_json_only(client: TestClient, listed: Listed) -> None:
    for path in (*LISTINGS, "/epcis/bizSteps/shipping"):
        answer = client.get(path, headers={**listed.a.headers, "Accept": "application/xml"})
        assert answer.status_code == 406, path
    plain = client.get("/epcis/epcs", headers={**listed.a.headers, "Accept": "application/json"})
    assert plain.headers["content-type"] == "application/json"


def _root_lists_every_top_level_resource_with_or_without_slash(client: TestClient) -> None:
    for path in ("/epcis", "/epcis/"):
        answer = client.get(path)
        assert answer.status_code == 200
        body = answer.json()
        assert body["type"] == "Collection"
        assert set(body["member"]) == {
            "queries",
            "capture",
            "events",
            "eventTypes",
            "epcs",
            "readPoints",
            "bizLocations",
            "dispositions",
            "bizSteps",
        }


def _page_tokens_cannot_be_invalidated(client: TestClient, listed: Listed) -> None:
    answer = client.delete("/epcis/nextPageToken/abc", headers=listed.a.headers)
    assert answer.status_code == 501
    assert answer.json()["type"] == "epcisException:ImplementationException"
    assert answer.json()["message_vi"] and answer.json()["message_en"]
    assert client.delete("/epcis/nextPageToken/abc").status_code == 401


def test_root_and_preflights(client: TestClient) -> None:
    """The root answers with or without its slash; a preflight names the path's methods,
    control characters in the path too (a decoded %0A used to miss the preflight route
    and meet a GET-only one: 405)."""
    _root_lists_every_top_level_resource_with_or_without_slash(client)
    for path, methods in (
        ("/epcis/queries/a%0Ab/subscriptions", "GET, HEAD, POST, OPTIONS"),
        ("/epcis/queries/a%0Db/subscriptions/s%0A1", "GET, HEAD, DELETE, OPTIONS"),
        ("/epcis/queries/%01%7F/subscriptions", "GET, HEAD, POST, OPTIONS"),
        ("/epcis/events%0A", "GET, HEAD, OPTIONS"),
    ):
        answer = client.options(path)
        assert answer.status_code == 204, path
        allowed = answer.headers["access-control-allow-methods"]
        assert answer.headers["allow"] == allowed == methods, path


def test_listings_refuse_bad_requests_changing_nothing(
    client: TestClient, listed: Listed, db_session: Session
) -> None:
    for path in LISTINGS:
        _bad_paging_is_refused_naming_the_parameter(client, listed, db_session, path)
    _page_tokens_cannot_be_invalidated(client, listed)
    _a_revoked_or_missing_key_lists_nothing(client, listed, db_session)
