"""EPCIS 2.0 REST bindings (standards/epcis/openapi.yaml): capture, events, discovery."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from starlette.convertors import Convertor, register_url_convertor

from registry.errors import NotFound
from registry.events import listings
from registry.events import query as queries
from registry.events.body import body_too_large
from registry.events.documents import collection, iso, query_document, standalone_event
from registry.events.epc_urn import as_epc_urn, with_epc_urns
from registry.events.models import CaptureJob, EpcisEvent
from registry.events.query import EventQuery
from registry.events.received import Notation
from registry.events.vocabulary import bare_term
from registry.events.xml.write import epcis_xml
from service.deps import CurrentActor, SessionDep, SettingsDep, get_settings, get_state
from service.epcis.browser_writes import refuse_cross_site_writes
from service.epcis.captures import store_capture, store_event
from service.epcis.description import interface_description
from service.epcis.exceptions import EPCIS_CORS_HEADERS, NotImplementedByServer
from service.epcis.media import (
    DOCUMENT_TYPES,
    JSON,
    JSON_TYPES,
    LD_JSON,
    XML,
    asked_formats,
    request_notation,
    response_type,
)
from service.request_body import BodyTooLarge, read_body_within
from service.status_doors import api_door

router = APIRouter(prefix="/epcis", tags=["epcis"], dependencies=[Depends(api_door)])

EPCIS_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
PREFLIGHT_HEADERS = {
    **EPCIS_CORS_HEADERS,
    "Access-Control-Allow-Headers": (
        "Authorization, Content-Type, Accept, Accept-Language, GS1-EPCIS-Version, "
        "GS1-CBV-Version, GS1-Capture-Error-Behaviour, GS1-EPC-Format, GS1-CBV-XML-Format, "
        "GS1-CBV-Format"
    ),
    "Access-Control-Max-Age": "600",
}


def _json(
    request: Request,
    body: Any,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A JSON answer, as application/json unless application/ld+json is preferred."""
    return JSONResponse(
        body,
        status_code=status_code,
        media_type=response_type(request, offered=JSON_TYPES),
        headers={**EPCIS_HEADERS, **EPCIS_CORS_HEADERS, **(headers or {})},
    )


def _events_answer(
    request: Request,
    events: list[EpcisEvent],
    *,
    lone: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    """Events in the representation asked for: a query document in JSON-LD by default,
    JSON or XML when asked (in XML a `lone` event too, as the binding has no other form),
    with GS1 keys and CBV values spelt as the GS1-EPC-Format and GS1-CBV-XML-Format
    headers ask."""
    media_type = response_type(request, offered=DOCUMENT_TYPES)
    epc_format, cbv_format = asked_formats(request)
    present = with_epc_urns if epc_format == "Always_EPC_URN" else dict
    all_headers = {
        **EPCIS_HEADERS,
        **EPCIS_CORS_HEADERS,
        **(headers or {}),
        "GS1-EPC-Format": epc_format,
    }
    if lone and media_type in (JSON, LD_JSON):
        body = present(standalone_event(events[0]))
        return JSONResponse(body, media_type=media_type, headers=all_headers)
    document = query_document(events)
    results = document["epcisBody"]["queryResults"]["resultsBody"]
    results["eventList"] = [present(event) for event in results["eventList"]]
    if media_type in (JSON, LD_JSON):
        return JSONResponse(document, media_type=media_type, headers=all_headers)
    all_headers["GS1-CBV-XML-Format"] = cbv_format
    xml = epcis_xml(document, cbv_format=cbv_format)
    return Response(xml, media_type=XML, headers=all_headers)


async def epcis_body(request: Request, settings: SettingsDep) -> bytes:
    """The raw body, read on the event loop; parsing it is left to the handler's thread."""
    limit = settings.epcis_max_body_bytes
    try:
        return await read_body_within(request, limit)
    except BodyTooLarge as exc:
        raise body_too_large(limit) from exc


EpcisBody = Annotated[bytes, Depends(epcis_body)]


def document_notation(request: Request) -> Notation:
    return request_notation(request, accepted=DOCUMENT_TYPES)


def event_notation(request: Request) -> Notation:
    # One event on its own exists only in JSON-LD; XML carries events in documents.
    return request_notation(request, accepted=JSON_TYPES)


def _job_out(job: CaptureJob) -> dict[str, Any]:
    body: dict[str, Any] = {
        "captureID": job.id,
        "createdAt": iso(job.created_at),
        "running": job.running,
        "success": job.success,
        "captureErrorBehaviour": job.error_behaviour,
        "errors": job.errors,
        "eventCount": job.event_count,
        "newEventCount": job.new_event_count,
    }
    if job.finished_at is not None:
        body["finishedAt"] = iso(job.finished_at)
    return body


# Named queries and subscriptions (service.epcis.queries) are created and deleted too.
_SUBSCRIPTIONS = re.compile(r"queries/[^/]+/subscriptions")
_DELETABLE = re.compile(r"queries/[^/]+(/subscriptions/[^/]+)?")


class _AnyPath(Convertor[str]):
    """Any path, line breaks included: Starlette's `path` is `.*`, which stops at a
    decoded %0A, and such a preflight fell through to a GET-only route (405)."""

    regex = "(?s:.*)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("anypath", _AnyPath())


@router.options("")
@router.options("/{path:anypath}")
def preflight(path: str = "") -> Response:
    """CORS preflight of the interface's own methods (the resolver answers only GET)."""
    allowed = "GET, HEAD, OPTIONS"
    if path in ("capture", "events", "queries") or _SUBSCRIPTIONS.fullmatch(path):
        allowed = "GET, HEAD, POST, OPTIONS"
    elif _DELETABLE.fullmatch(path):
        allowed = "GET, HEAD, DELETE, OPTIONS"
    headers = {**PREFLIGHT_HEADERS, "Access-Control-Allow-Methods": allowed, "Allow": allowed}
    return Response(status_code=204, headers={**EPCIS_HEADERS, **headers})


@router.get("")
@router.get("/")
def describe_interface(request: Request) -> Response:
    """The interface's root: its top-level resources (the binding's `GET /`, below the
    base URL /epcis, so /epcis/ too), what it offers and where; public, like the OpenAPI
    document."""
    return _json(request, interface_description(EPCIS_HEADERS))


@router.post("/capture", status_code=202, dependencies=[Depends(refuse_cross_site_writes)])
def capture(
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    # After the actor: an anonymous client is refused before its body is read, and a
    # body in a notation not read here (415) too.
    notation: Annotated[Notation, Depends(document_notation)],
    received: EpcisBody,
    error_behaviour: Annotated[str, Header(alias="GS1-Capture-Error-Behaviour")] = "rollback",
) -> Response:
    job = store_capture(
        get_state(request),
        session,
        actor=actor,
        body=received,
        notation=notation,
        error_behaviour=error_behaviour,
    )
    location = f"/epcis/capture/{job.id}"
    return _json(request, _job_out(job), status_code=202, headers={"Location": location})


@router.get("/capture")
def capture_jobs(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    """The caller's capture jobs, newest first (agency staff: every job)."""
    response_type(request, offered=JSON_TYPES)  # 406 before anything is looked up
    paging = listings.read_paging(request.query_params)
    page = listings.capture_jobs(session, actor=actor, paging=paging)
    jobs = [_job_out(job) for job in page.members]
    return _json(request, jobs, headers=_next_link(request, page.next_page_token))


@router.get("/capture/{capture_id}")
def capture_job(
    capture_id: str, request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    response_type(request, offered=JSON_TYPES)  # 406 before anything is looked up
    job = session.get(CaptureJob, capture_id)
    if job is None or not (actor.is_agency or job.enterprise_id == actor.enterprise_id):
        raise NotFound("Không tìm thấy lượt ghi nhận.", "Capture job not found.")
    return _json(request, _job_out(job))


@router.post("/events", status_code=201, dependencies=[Depends(refuse_cross_site_writes)])
def post_event(
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    _notation: Annotated[Notation, Depends(event_notation)],
    received: EpcisBody,
) -> Response:
    event_id = store_event(get_state(request), session, actor=actor, body=received)
    stored = queries.find_event(session, actor=actor, event_id=event_id)
    location = f"/epcis/events/{quote(event_id, safe='')}"
    body = standalone_event(stored) if stored is not None else {"eventID": event_id}
    media_type = response_type(request, offered=(LD_JSON, JSON))
    headers = {**EPCIS_HEADERS, **EPCIS_CORS_HEADERS, "Location": location}
    return JSONResponse(body, status_code=201, media_type=media_type, headers=headers)


def _next_link(request: Request, token: str | None) -> dict[str, str]:
    """The Link header to the next page, if there is one."""
    if token is None:
        return {}
    following = {**request.query_params, "nextPageToken": token}
    # The configured address, never the client's Host header.
    url = get_settings(request).public_base_url + request.url.path
    return {"Link": f'<{url}?{urlencode(following)}>; rel="next"'}


def _events_response(
    request: Request, session: SessionDep, actor: CurrentActor, fixed: dict[str, str] | None = None
) -> Response:
    parameters = dict(request.query_params)
    query = EventQuery.from_parameters({**parameters, **(fixed or {})})
    page = queries.query_events(session, actor=actor, query=query)
    return _events_answer(request, page.events, headers=_next_link(request, page.next_page_token))


@router.get("/events")
def get_events(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return _events_response(request, session, actor)


@router.get("/events/{event_id:path}")
def get_event(
    event_id: str, request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    response_type(request, offered=DOCUMENT_TYPES)  # 406 before anything is looked up
    event = queries.find_event(session, actor=actor, event_id=event_id)
    if event is None:
        raise NotFound("Không tìm thấy sự kiện.", "Event not found.")
    return _events_answer(request, [event], lone=True)


def _values_response(
    request: Request, session: SessionDep, actor: CurrentActor, resource: str
) -> Response:
    response_type(request, offered=JSON_TYPES)  # 406 before anything is looked up
    paging = listings.read_paging(request.query_params)
    page = listings.values(session, actor=actor, resource=resource, paging=paging)
    members = page.members
    if resource == "epcs" and asked_formats(request)[0] == "Always_EPC_URN":
        members = [as_epc_urn(epc) for epc in members]
    body = collection(members)
    return _json(request, body, headers=_next_link(request, page.next_page_token))


def _sub_resources(
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    fixed: dict[str, str],
    *,
    standard: bool = False,
) -> Response:
    """A value's sub-resources (for HATEOAS discovery): its events. A value exists for the
    caller if the standard defines it or an event the caller sees names it (in any
    spelling its events route reads: a URN or Digital Link, a bare or URI CBV term)."""
    response_type(request, offered=JSON_TYPES)  # 406 before anything is looked up
    if not standard:
        query = EventQuery.from_parameters({**fixed, "perPage": "1"})
        if not queries.query_events(session, actor=actor, query=query).events:
            raise NotFound("Không tìm thấy tài nguyên.", "Resource not found.")
    return _json(request, collection(["events"]))


@router.get("/epcs")
def list_epcs(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return _values_response(request, session, actor, "epcs")


@router.get("/epcs/{epc:path}/events")
def epc_events(epc: str, request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return _events_response(request, session, actor, {queries.MATCH_ANYTHING: epc})


@router.get("/epcs/{epc:path}")
def epc_resources(epc: str, request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return _sub_resources(request, session, actor, {queries.MATCH_ANYTHING: epc})


@router.get("/eventTypes")
def list_event_types(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return _values_response(request, session, actor, "eventTypes")


@router.get("/eventTypes/{event_type}/events")
def event_type_events(
    event_type: str, request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    return _events_response(request, session, actor, {"eventType": event_type})


@router.get("/eventTypes/{event_type}")
def event_type_resources(
    event_type: str, request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    standard = event_type in listings.STANDARD_VALUES["eventTypes"]
    return _sub_resources(request, session, actor, {"eventType": event_type}, standard=standard)


@router.get("/bizSteps")
def list_biz_steps(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return _values_response(request, session, actor, "bizSteps")


@router.get("/bizSteps/{biz_step:path}/events")
def biz_step_events(
    biz_step: str, request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    return _events_response(request, session, actor, {"EQ_bizStep": biz_step})


@router.get("/bizSteps/{biz_step:path}")
def biz_step_resources(
    biz_step: str, request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    standard = bare_term("bizStep", biz_step) in listings.STANDARD_VALUES["bizSteps"]
    return _sub_resources(request, session, actor, {"EQ_bizStep": biz_step}, standard=standard)


@router.get("/dispositions")
def list_dispositions(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return _values_response(request, session, actor, "dispositions")


@router.get("/dispositions/{disposition:path}/events")
def disposition_events(
    disposition: str, request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    return _events_response(request, session, actor, {"EQ_disposition": disposition})


@router.get("/dispositions/{disposition:path}")
def disposition_resources(
    disposition: str, request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    standard = bare_term("disposition", disposition) in listings.STANDARD_VALUES["dispositions"]
    fixed = {"EQ_disposition": disposition}
    return _sub_resources(request, session, actor, fixed, standard=standard)


@router.get("/bizLocations")
def list_biz_locations(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return _values_response(request, session, actor, "bizLocations")


@router.get("/bizLocations/{biz_location:path}/events")
def biz_location_events(
    biz_location: str, request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    return _events_response(request, session, actor, {"EQ_bizLocation": biz_location})


@router.get("/bizLocations/{biz_location:path}")
def biz_location_resources(
    biz_location: str, request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    return _sub_resources(request, session, actor, {"EQ_bizLocation": biz_location})


@router.get("/readPoints")
def list_read_points(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    return _values_response(request, session, actor, "readPoints")


@router.get("/readPoints/{read_point:path}/events")
def read_point_events(
    read_point: str, request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    return _events_response(request, session, actor, {"EQ_readPoint": read_point})


@router.get("/readPoints/{read_point:path}")
def read_point_resources(
    read_point: str, request: Request, session: SessionDep, actor: CurrentActor
) -> Response:
    return _sub_resources(request, session, actor, {"EQ_readPoint": read_point})


@router.delete("/nextPageToken/{token}")
def invalidate_page_token(token: str, actor: CurrentActor) -> Response:
    """The binding lets a server invalidate tokens by timeout only; ours hold a position
    and nothing else, so there is nothing stored to invalidate (501, as documented)."""
    raise NotImplementedByServer(
        "Mã trang (nextPageToken) không được lưu trên máy chủ nên không thể hủy; nó chỉ"
        " ghi vị trí của trang tiếp theo.",
        "Page tokens (nextPageToken) are not stored by the server, so there is nothing to"
        " invalidate; a token only holds where the next page starts.",
    )
