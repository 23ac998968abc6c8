"""Browser sessions: signing in rotates the session; a password change ends old ones."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session
from starlette.requests import Request

from registry.accounts.models import User
from registry.accounts.service import authenticate_password
from registry.errors import Unauthorized
from service.deps import SESSION_EPOCH_KEY, SESSION_USER_KEY
from service.ratelimit import ensure_sign_in_allowed, record_sign_in


def check_sign_in(session: Session, *, email: str, password: str) -> User:
    """The password check of both doors (API and portal), throttled per account."""
    ensure_sign_in_allowed(email)
    try:
        user = authenticate_password(session, email=email, password=password)
    except Unauthorized:
        record_sign_in(email, succeeded=False)
        raise
    record_sign_in(email, succeeded=True)
    return user


def start_session(request: Request, user: User) -> None:
    session = request.session
    session.clear()
    session["sid"] = secrets.token_urlsafe(16)
    session[SESSION_USER_KEY] = user.id
    session[SESSION_EPOCH_KEY] = user.session_epoch
    session["csrf"] = secrets.token_urlsafe(24)


def end_session(request: Request, user: User | None = None) -> None:
    """Clear this browser's session; with the user, end all of their sessions
    (a copied cookie stops working too: signed cookies hold no server state)."""
    if user is not None:
        user.session_epoch += 1
    request.session.clear()


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return str(token)


def csrf_valid(request: Request, submitted: str | None) -> bool:
    expected = request.session.get("csrf")
    return bool(expected and submitted and secrets.compare_digest(str(expected), submitted))
