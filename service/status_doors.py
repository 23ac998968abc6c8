"""Where the API, EPCIS and portal doors ask the enterprise status policy.

Every write route of the app is listed here with the deed it does (None: the
enterprise's status does not matter there: public forms, signing in and out,
agency-only actions). Reads are `Deed.read`; a browser session also needs
`Deed.sign_in`, so a suspended enterprise's users are stopped at once, on any
page, not only at the next sign-in.
tests/security/test_status_policy.py fails when a write route is missing.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from registry.accounts.service import actor_for_user
from registry.actor import Actor
from registry.enterprises.models import Enterprise
from registry.enterprises.policy import Deed, ensure_allows
from registry.errors import Unauthorized
from service.deps import SAFE_METHODS, SessionDep, optional_actor, session_user
from service.observability import route_template

WRITE_DEEDS: dict[tuple[str, str], Deed | None] = {
    # -- accounts
    ("POST", "/api/v1/auth/login"): None,
    ("POST", "/api/v1/auth/logout"): None,
    ("POST", "/api/v1/users"): Deed.manage_team,
    ("POST", "/api/v1/users/{user_id}/deactivate"): Deed.account,
    ("POST", "/api/v1/users/{user_id}/reactivate"): Deed.manage_team,
    ("POST", "/api/v1/api-keys"): Deed.manage_team,
    ("DELETE", "/api/v1/api-keys/{key_id}"): Deed.account,
    # -- enterprises (verification and identity reviews are the agency's)
    ("POST", "/api/v1/enterprises"): None,
    ("POST", "/api/v1/enterprises/sign-up"): None,
    ("PATCH", "/api/v1/enterprises/{enterprise_id}"): Deed.edit_profile,
    ("POST", "/api/v1/enterprises/{enterprise_id}/verify"): None,
    ("POST", "/api/v1/enterprises/{enterprise_id}/reject"): None,
    ("POST", "/api/v1/enterprises/{enterprise_id}/suspend"): None,
    ("POST", "/api/v1/identity-changes/{change_id}/approve"): None,
    ("POST", "/api/v1/identity-changes/{change_id}/reject"): None,
    # -- prefixes (granting is the agency's)
    ("POST", "/api/v1/prefixes"): None,
    ("POST", "/api/v1/prefixes/pool"): None,
    ("POST", "/api/v1/prefixes/assign"): None,
    ("POST", "/api/v1/prefix-requests"): Deed.request_prefix,
    ("POST", "/api/v1/prefix-requests/{request_id}/grant"): None,
    ("POST", "/api/v1/prefix-requests/{request_id}/reject"): None,
    # -- catalogue
    ("POST", "/api/v1/products"): Deed.issue_codes,
    ("PATCH", "/api/v1/products/{product_id}"): Deed.edit_catalogue,
    ("POST", "/api/v1/locations"): Deed.issue_codes,
    ("PATCH", "/api/v1/locations/{location_id}"): Deed.edit_catalogue,
    ("POST", "/api/v1/certificates"): Deed.edit_catalogue,
    ("DELETE", "/api/v1/certificates/{certificate_id}"): Deed.edit_catalogue,
    ("POST", "/api/v1/links"): Deed.edit_catalogue,
    ("PATCH", "/api/v1/links/{link_id}"): Deed.edit_catalogue,
    ("DELETE", "/api/v1/links/{link_id}"): Deed.edit_catalogue,
    # -- lots and labels
    ("POST", "/api/v1/lots"): Deed.record_lots,
    ("PATCH", "/api/v1/lots/{lot_id}"): Deed.record_lots,
    ("POST", "/api/v1/label-runs"): Deed.print_labels,
    ("POST", "/api/v1/label-runs/{run_id}/void"): Deed.print_labels,
    # -- traceability events
    ("POST", "/api/v1/lots/{lot_id}/harvest"): Deed.record_events,
    ("POST", "/api/v1/lots/{lot_id}/pack"): Deed.record_events,
    ("POST", "/api/v1/lots/{lot_id}/process"): Deed.record_events,
    ("POST", "/api/v1/lots/{lot_id}/ship"): Deed.record_events,
    ("POST", "/api/v1/lots/{lot_id}/receive"): Deed.record_events,
    ("POST", "/api/v1/lots/{lot_id}/inspect"): Deed.record_events,
    ("POST", "/api/v1/lots/{lot_id}/store"): Deed.record_events,
    ("POST", "/api/v1/lots/{lot_id}/recall"): Deed.record_events,
    ("POST", "/api/v1/pallets"): Deed.record_events,
    ("POST", "/api/v1/pallets/{sscc}/ship"): Deed.record_events,
    ("POST", "/api/v1/pallets/{sscc}/receive"): Deed.record_events,
    ("POST", "/api/v1/consignments"): Deed.record_events,
    ("POST", "/epcis/capture"): Deed.record_events,
    ("POST", "/epcis/events"): Deed.record_events,
    # A named query or a subscription is a read kept for later: allowed wherever reading
    # is, and it shows no more than the subscriber's own events query would.
    ("POST", "/epcis/queries"): Deed.read,
    ("DELETE", "/epcis/queries/{query_name}"): Deed.read,
    ("POST", "/epcis/queries/{query_name}/subscriptions"): Deed.read,
    ("DELETE", "/epcis/queries/{query_name}/subscriptions/{subscription_id}"): Deed.read,
    # Answers 501: a page token is a position, stored nowhere, so there is nothing to delete.
    ("DELETE", "/epcis/nextPageToken/{token}"): Deed.read,
    # -- portal
    ("POST", "/login"): None,
    ("POST", "/logout"): None,
    ("POST", "/portal/signup"): None,
    ("POST", "/portal/password"): Deed.account,
    ("POST", "/portal/prefix"): Deed.request_prefix,
    ("POST", "/portal/prefix/request"): Deed.request_prefix,
    ("POST", "/portal/products/import"): Deed.issue_codes,
    ("POST", "/portal/products/new"): Deed.issue_codes,
    ("POST", "/portal/products/{product_id}/edit"): Deed.edit_catalogue,
    ("POST", "/portal/products/{product_id}/certificates"): Deed.edit_catalogue,
    (
        "POST",
        "/portal/products/{product_id}/certificates/{certificate_id}/delete",
    ): Deed.edit_catalogue,
    ("POST", "/portal/locations/new"): Deed.issue_codes,
    ("POST", "/portal/locations/{location_id}"): Deed.edit_catalogue,
    ("POST", "/portal/lots/new"): Deed.record_lots,
    ("POST", "/portal/lots/{lot_id}/steps/{step}"): Deed.record_events,
    ("POST", "/portal/lots/{lot_id}/events/{event_pk}/flag"): Deed.record_events,
    ("POST", "/portal/consignments/new"): Deed.record_events,
    ("POST", "/portal/labels"): Deed.print_labels,
    ("POST", "/portal/labels/runs/{run_id}/void"): Deed.print_labels,
    ("POST", "/portal/team/users"): Deed.manage_team,
    ("POST", "/portal/team/users/{user_id}/deactivate"): Deed.account,
    ("POST", "/portal/team/users/{user_id}/reactivate"): Deed.manage_team,
    ("POST", "/portal/team/keys"): Deed.manage_team,
    ("POST", "/portal/team/keys/{key_id}/revoke"): Deed.account,
    # -- consumers (public) and agency pages: no enterprise acts there
    ("POST", "/scan"): None,
    ("POST", "/p/share-place"): None,
    ("POST", "/p/report"): None,
    ("POST", "/agency/enterprises/{enterprise_id}/verify"): None,
    ("POST", "/agency/enterprises/{enterprise_id}/reject"): None,
    ("POST", "/agency/reports/{report_id}/triage"): None,
    ("POST", "/agency/flags/{flag_id}/close"): None,
    ("POST", "/agency/prefix-requests/{request_id}/grant"): None,
    ("POST", "/agency/prefix-requests/{request_id}/reject"): None,
    ("POST", "/agency/identity-changes/{change_id}/approve"): None,
    ("POST", "/agency/identity-changes/{change_id}/reject"): None,
    ("POST", "/agency/population"): None,
    ("POST", "/agency/users/{user_id}/deactivate"): None,
    ("POST", "/agency/users/{user_id}/reactivate"): None,
    ("POST", "/agency/recalls"): None,
    ("POST", "/agency/recalls/{recall_id}/end"): None,
    ("POST", "/agency/gpc"): None,
    ("POST", "/agency/market-codes"): None,
    ("POST", "/agency/market-codes-import"): None,
    ("POST", "/agency/market-codes/{code_id}"): None,
    ("POST", "/agency/market-codes/{code_id}/approvals"): None,
    ("POST", "/agency/yield-ceilings"): None,
    ("POST", "/agency/code-warnings/{refusal_id}/seen"): None,
}


def deeds_of(request: Request, actor: Actor) -> list[Deed]:
    """What the request would do, as the policy names it."""
    if request.method in SAFE_METHODS:
        deed: Deed | None = Deed.read
    else:
        # A write route missing from the table is allowed to verified enterprises only.
        deed = WRITE_DEEDS.get((request.method, route_template(request.scope)), Deed.issue_codes)
    if deed is None:
        return []
    # A browser session is a sign-in: it ends when the status no longer allows one.
    return [Deed.sign_in, deed] if actor.user_id is not None else [deed]


def _ensure(request: Request, session: Session, actor: Actor | None) -> None:
    if actor is None or actor.is_agency or actor.enterprise_id is None:
        return
    if request.method in SAFE_METHODS and actor.user_id is None:
        return  # an API key reads in every status: no need to look
    enterprise = session.get(Enterprise, actor.enterprise_id)
    if enterprise is None:
        return
    for deed in deeds_of(request, actor):
        ensure_allows(enterprise, deed)


def api_door(request: Request, session: SessionDep) -> None:
    """The JSON API and EPCIS: API keys and browser sessions alike."""
    try:
        actor = optional_actor(request, session)
    except Unauthorized:
        return  # a bad key is the route's to refuse (public routes ignore it)
    _ensure(request, session, actor)


def portal_door(request: Request, session: SessionDep) -> None:
    """The portal: its browser session only (an Authorization header means nothing there)."""
    user = session_user(request, session)
    if user is not None:
        _ensure(request, session, actor_for_user(user))
