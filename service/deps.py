"""Request dependencies: the unit of work and who is asking."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from registry.accounts.models import User
from registry.accounts.service import actor_for_user, authenticate_api_key
from registry.actor import Actor
from registry.db import AFTER_COMMIT, finish
from registry.errors import Unauthorized
from registry.market_codes.guard import keep_refusal
from registry.settings import Settings
from service.state import AppState

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_USER_KEY = "uid"
SESSION_EPOCH_KEY = "epoch"
ACTOR_STATE_KEY = "actor"
_NOT_ASKED = object()


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.truyxuat
    return state


def get_settings(request: Request) -> Settings:
    return get_state(request).settings


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: commit when the handler returns, roll back on error.

    Reads use a deferred transaction so SQLite's WAL lets them run side by side.
    """
    state = get_state(request)
    factory = state.read_sessions if request.method in SAFE_METHODS else state.write_sessions
    session = factory()
    try:
        yield session
    except BaseException as error:
        session.info.pop(AFTER_COMMIT, None)
        session.rollback()
        try:
            if keep_refusal(session, error):  # the export guard's queue outlives the work
                session.commit()
        finally:
            session.close()
        raise
    finish(session)


# "function" scope: the unit of work ends (commits or fails) before the response is
# sent, so a 2xx means stored and a failed commit still reaches the error handlers.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def session_user(request: Request, session: Session) -> User | None:
    """The signed-in user of the browser session, if the session is still valid."""
    data = request.scope.get("session")
    if not data or SESSION_USER_KEY not in data:
        return None
    user = session.get(User, data[SESSION_USER_KEY])
    if user is None or not user.is_active:
        return None
    # Signing out or changing the password ends every session started before it.
    if data.get(SESSION_EPOCH_KEY) != user.session_epoch:
        return None
    return user


def _key_actor(request: Request, session: Session, secret: str) -> Actor:
    """A read-only key is refused at the door of every write, whichever route it is."""
    actor = authenticate_api_key(session, secret)
    if request.method not in SAFE_METHODS:
        actor.ensure_may_write()
    return actor


def optional_actor(request: Request, session: SessionDep) -> Actor | None:
    """Who is asking. The status door and then the route both ask, so the answer is
    kept for the request: one key lookup instead of two. A refusal is not kept: it
    is raised again to whoever asks."""
    known = getattr(request.state, ACTOR_STATE_KEY, _NOT_ASKED)
    if known is not _NOT_ASKED:
        return cast("Actor | None", known)
    actor = _actor_of(request, session)
    setattr(request.state, ACTOR_STATE_KEY, actor)
    return actor


def _actor_of(request: Request, session: Session) -> Actor | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return _key_actor(request, session, header[7:].strip())
    api_key = request.headers.get("x-api-key")
    if api_key:
        return _key_actor(request, session, api_key.strip())
    user = session_user(request, session)
    return actor_for_user(user) if user else None


OptionalActor = Annotated[Actor | None, Depends(optional_actor)]


def current_actor(actor: OptionalActor) -> Actor:
    if actor is None:
        raise Unauthorized("Cần đăng nhập hoặc khóa API.", "Sign-in or an API key is required.")
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def agency_actor(actor: CurrentActor) -> Actor:
    actor.ensure_agency()
    return actor


AgencyActor = Annotated[Actor, Depends(agency_actor)]
