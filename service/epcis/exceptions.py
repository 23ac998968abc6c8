"""EPCIS exceptions by their standard names (EPCIS 2.0 §12.4, REST binding openapi.yaml
`components/responses`): what a problem answered on /epcis/* is called."""

from __future__ import annotations

from typing import Final

from starlette.requests import Request

from registry.errors import TruyxuatError

EPCIS_PATH: Final = "/epcis"
# A partner's web application calls the interface with its API key (never a cookie: no
# Allow-Credentials, so a browser sends none cross-site and the session stays out of it).
EPCIS_CORS_HEADERS: Final = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Location, Link, GS1-EPCIS-Version, GS1-CBV-Version",
}
_BY_STATUS: Final = {
    401: "SecurityException",
    403: "SecurityException",
    # The binding's schema names only NoSuchNameException for 404 (its example says
    # NoSuchResourceException, which no schema enum lists).
    404: "NoSuchNameException",
    406: "NotAcceptableException",
    409: "ResourceAlreadyExistsException",
    414: "URITooLongException",
    415: "UnsupportedMediaTypeException",
    500: "ImplementationException",
    501: "ImplementationException",
    503: "ImplementationException",
}


class NotImplementedByServer(TruyxuatError):
    """A function of the binding this server does not offer (501NotImplemented)."""

    status = 501
    slug = "not-implemented"
    title = "Functionality not supported by server"


# Our own reasons that the binding names more precisely than their status does.
_BY_REASON: Final = {
    "epcis-subscription-controls": ("SubscriptionControlsException", 400),
    "epcis-query-definition-too-large": ("QueryTooLargeException", 413),
}


def is_epcis_request(request: Request) -> bool:
    path = request.url.path
    return path == EPCIS_PATH or path.startswith(EPCIS_PATH + "/")


def epcis_exception(request: Request, status: int, *, reason: str = "") -> tuple[str, int] | None:
    """(problem type, status) of the EPCIS exception for an error status, if one fits.

    Bad input is a 400 in the binding (it has no 422): a query's parameters are at fault
    on a GET (QueryParameterException), the document or event on a write.
    """
    if status == 400 and reason.endswith("/websocket-handshake"):
        # A refused handshake of GET /queries/{name}/events: its 400 (400SubscriptionIssues)
        # names SubscriptionControlsException or ValidationException only.
        return "epcisException:ValidationException", 400
    for slug, (name, answered) in _BY_REASON.items():
        if reason.endswith("/" + slug):
            return "epcisException:" + name, answered
    if status in (400, 422):
        name = "QueryParameterException" if request.method == "GET" else "ValidationException"
        return "epcisException:" + name, 400
    if status == 413:
        name = (
            "CaptureLimitExceededException"
            if request.method == "POST"
            else "QueryTooLargeException"
        )
        return "epcisException:" + name, 413
    named = _BY_STATUS.get(status)
    return ("epcisException:" + named, status) if named else None
