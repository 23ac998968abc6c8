"""Accounts and keys (issue 15, items 4 and 5), tried as an attacker would.

A read-only agency key changes nothing; keys never make accounts or keys; an officer
changing an enterprise's data says why, and the audit log keeps it; only administrators
see administrator keys; a deactivated user's sessions and keys stop at once; sign-in is
throttled per account across addresses without telling whether the account exists.
Every refusal leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from registry.accounts.models import ApiKey, KeyScope, Role, User
from registry.audit.models import AuditEntry
from registry.certificates.models import Certificate
from registry.db import Base, make_engine
from registry.links.models import ResolverLink
from registry.prefixes.models import PrefixRequest, PrefixRequestStatus
from registry.settings import Settings
from service import ratelimit
from service.cli import main
from tests.app_under_test import app_on, app_state_on, savepoint_on, session_on
from tests.factories import PASSWORD, make_enterprise, make_user
from tests.security.test_authorization_matrix import KEY, matrix
from tests.security.world import BASE, World, add_named_query, build_world

EVIL = "https://evil.example/phish"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@pytest.fixture(scope="module")
def built(settings: Settings, engine: Engine) -> Iterator[tuple[World, Session, Connection]]:
    """The world (two enterprises, signed-in actors, one record of each kind) once for the
    module's tests on a database, in a transaction the module's end rolls back; each test
    runs in a savepoint of it (connection) with the actors' cookies as they were built."""
    with engine.connect() as connection:
        transaction = connection.begin()
        session = session_on(connection)
        # The process's app of these settings (app_on); each test's `app` is that same app
        # with the state of a new one, on this connection. Made under a name of its own:
        # app_on gives a second call within one test a new app, and the first test's
        # `app` must be the one the actors' browsers were signed in to.
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("PYTEST_CURRENT_TEST", f"{__name__}::built (setup)")
            app = app_on(settings, app_state_on(settings, connection, engine))
        world = build_world(session, app)
        with TestClient(app, base_url=BASE) as client:
            add_named_query(world, client)
        session.commit()  # its savepoint released: a test's use opens one in the test's
        yield world, session, connection
        for actor in world.actors.values():
            actor.browser.close()
        session.close()
        transaction.rollback()


@pytest.fixture
def connection(built: tuple[World, Session, Connection]) -> Iterator[Connection]:
    yield from savepoint_on(built[2])


@pytest.fixture
def db_session(
    built: tuple[World, Session, Connection], connection: Connection
) -> Iterator[Session]:
    """The session the world was built in (its objects belong to it), inside the test's
    savepoint; what it holds is forgotten when the savepoint is rolled back."""
    session = built[1]
    yield session
    session.rollback()
    session.expire_all()


@pytest.fixture
def world(built: tuple[World, Session, Connection], app: FastAPI) -> Iterator[World]:
    world = built[0]
    assert all(actor.browser.app is app for actor in world.actors.values())
    cookies = {role: list(actor.browser.cookies.jar) for role, actor in world.actors.items()}
    yield world
    for role, actor in world.actors.items():
        actor.browser.cookies.clear()
        for cookie in cookies[role]:
            actor.browser.cookies.jar.set_cookie(cookie)


def _snapshot(session: Session) -> dict[str, int]:
    """Rows per table: a refused write adds, removes or audits nothing."""
    session.expire_all()
    return {
        table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
    }


def _problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["message_vi"] and body["message_en"], body
    return body


def _link(session: Session, world: World) -> ResolverLink:
    link = session.get(ResolverLink, world.link_id)
    assert link is not None
    session.refresh(link)
    return link


def _audit_reasons(session: Session, entity: str, entity_id: object) -> list[Any]:
    entries = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id)
        )
    )
    return [(entry.after or {}).get("reason") for entry in entries]


# -- item 5: scopes that match their names


def test_a_read_only_agency_key_changes_nothing(
    client: TestClient, world: World, db_session: Session
) -> None:
    """The attacks of the issue with an `--agency` key: all refused, nothing changed."""
    key = world.read_only_agency_headers
    assert client.get("/api/v1/enterprises", headers=key).status_code == 200
    assert client.get(f"/api/v1/links/{world.link_id}", headers=key).status_code == 200
    before = _snapshot(db_session)
    attacks = {
        "new default link to a phishing page": client.post(
            "/api/v1/links",
            headers=key,
            json={
                "anchor": f"/01/{world.gtin}",
                "link_type": "gs1:pip",
                "href": EVIL,
                "title": "Khuyến mãi",
                "is_default": True,
                "reason": "Kiểm tra",
            },
        ),
        "existing link turned into the default phishing one": client.patch(
            f"/api/v1/links/{world.link_id}",
            headers=key,
            json={"href": EVIL, "is_default": True, "reason": "Kiểm tra"},
        ),
        "void the enterprise's run": client.post(
            f"/api/v1/label-runs/{world.run.id}/void", headers=key, json={"reason": "Giả mạo"}
        ),
        "delete its certificate": client.delete(
            f"/api/v1/certificates/{world.certificate.id}",
            headers=key,
            params={"reason": "Hết hạn"},
        ),
        "create another agency key": client.post(
            "/api/v1/api-keys", headers=key, json={"name": "thêm", "role": "agency"}
        ),
        "grant a prefix request": client.post(
            f"/api/v1/prefix-requests/{world.prefix_request_id}/grant",
            headers=key,
            json={"reason": "Đã xem"},
        ),
        "recall the lot": client.post(
            f"/api/v1/lots/{world.lot.id}/recall", headers=key, json={"reason": "Thử"}
        ),
    }
    for name, answer in attacks.items():
        body = _problem(answer, 403)
        assert "read" in body["message_en"] or "API key" in body["message_en"], name
    assert _snapshot(db_session) == before
    link = _link(db_session, world)
    assert link.href != EVIL and not link.is_default
    db_session.refresh(world.run)
    assert world.run.voided_at is None
    assert db_session.get(Certificate, world.certificate.id) is not None


def test_a_read_only_agency_key_is_refused_by_every_write_route(
    app: FastAPI, world: World, db_session: Session, connection: Connection
) -> None:
    """Every write route that takes a credential, from the authorization matrix."""
    anonymous = TestClient(app, base_url=BASE)
    values = world.path_values()
    before = _snapshot(db_session)
    wrong = []
    asked = 0
    for (method, route), probe in matrix(world).items():
        statuses = probe.statuses()
        needs_credential = statuses["anonymous"] == 401 and set(statuses.values()) != {401}
        if method in SAFE_METHODS or probe.via != KEY or not needs_credential:
            continue
        path = probe.path or route
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        savepoint = connection.begin_nested()
        try:
            ratelimit.reset()
            answer = anonymous.request(
                method,
                path,
                json=probe.json,
                params=probe.params or None,
                headers=world.read_only_agency_headers,
            )
        finally:
            savepoint.rollback()
        asked += 1
        if answer.status_code != 403:
            wrong.append(f"{method} {route}: {answer.status_code} {answer.text[:200]}")
    assert asked > 40
    assert not wrong, "\n".join(wrong)
    assert _snapshot(db_session) == before


def test_an_officer_says_why_and_the_audit_log_keeps_it(
    client: TestClient, world: World, db_session: Session
) -> None:
    """With the write scope an officer may act on an enterprise's data, never silently."""
    officer = world.actors["agency"].api_headers
    certificate_path = f"/api/v1/certificates/{world.certificate.id}"
    silent = {
        "link": client.patch(
            f"/api/v1/links/{world.link_id}", headers=officer, json={"title": "Đã sửa"}
        ),
        "new link": client.post(
            "/api/v1/links",
            headers=officer,
            json={"anchor": f"/01/{world.gtin}", "link_type": "gs1:pip", "href": "https://a.vn"}
            | {"title": "A"},
        ),
        "link removal": client.delete(f"/api/v1/links/{world.link_id}", headers=officer),
        "certificate removal": client.delete(certificate_path, headers=officer),
        "blank reason": client.delete(certificate_path, headers=officer, params={"reason": " "}),
        "recall": client.post(f"/api/v1/lots/{world.lot.id}/recall", headers=officer, json={}),
        "grant": client.post(
            f"/api/v1/prefix-requests/{world.prefix_request_id}/grant", headers=officer, json={}
        ),
    }
    before = _snapshot(db_session)
    for name, answer in silent.items():
        body = _problem(answer, 422)
        assert body["errors"][0]["field"] == "reason", name
    assert _snapshot(db_session) == before
    assert _link(db_session, world).title != "Đã sửa"
    request = db_session.get(PrefixRequest, world.prefix_request_id)
    assert request is not None and request.status is PrefixRequestStatus.pending

    said = {
        ("resolver_link", world.link_id): client.patch(
            f"/api/v1/links/{world.link_id}",
            headers=officer,
            json={"title": "Đã sửa", "reason": "Sai tên theo phản ánh #12"},
        ),
        ("label_run", world.run.id): client.post(
            f"/api/v1/label-runs/{world.run.id}/void",
            headers=officer,
            json={"reason": "Tem in trùng số theo biên bản 07"},
        ),
        ("certificate", world.certificate.id): client.delete(
            certificate_path, headers=officer, params={"reason": "Giấy chứng nhận bị thu hồi"}
        ),
        ("lot", world.lot.id): client.post(
            f"/api/v1/lots/{world.lot.id}/recall",
            headers=officer,
            json={"reason": "Dư lượng thuốc BVTV vượt ngưỡng"},
        ),
        ("prefix_request", world.prefix_request_id): client.post(
            f"/api/v1/prefix-requests/{world.prefix_request_id}/grant",
            headers=officer,
            json={"reason": "Đã đối chiếu bản gốc"},
        ),
    }
    for (entity, entity_id), answer in said.items():
        assert answer.status_code in (200, 201, 204), (entity, answer.text)
        reasons = [r for r in _audit_reasons(db_session, entity, entity_id) if r]
        assert reasons, f"no reason in the audit log for {entity} {entity_id}"

    # A signed-in officer acts too, with a reason; the enterprise on its own data need not.
    officer_browser = world.actors["agency"].browser
    assert officer_browser.delete(f"/api/v1/links/{world.link_id}").status_code == 422
    removed = officer_browser.delete(
        f"/api/v1/links/{world.link_id}", params={"reason": "Liên kết lừa đảo"}
    )
    assert removed.status_code == 204, removed.text
    assert "Liên kết lừa đảo" in _audit_reasons(db_session, "resolver_link", world.link_id)
    own = client.post(
        "/api/v1/links",
        headers=world.actors["enterprise_a"].api_headers,
        json={"anchor": f"/01/{world.gtin}", "link_type": "gs1:pip", "href": "https://a.vn"}
        | {"title": "Trang sản phẩm"},
    )
    assert own.status_code == 201, own.text


def test_keys_make_neither_accounts_nor_keys(
    client: TestClient, world: World, db_session: Session
) -> None:
    before = _snapshot(db_session)
    new_user = {
        "email": "gia-mao@example.vn",
        "password": "mat-khau-du-dai-1",
        "role": "enterprise",
    }
    for role in ("enterprise_a", "agency", "admin"):
        headers = world.actors[role].api_headers
        _problem(client.post("/api/v1/users", headers=headers, json=new_user), 403)
        _problem(
            client.post("/api/v1/api-keys", headers=headers, json={"name": "x", "role": "admin"}),
            403,
        )
    assert _snapshot(db_session) == before
    assert db_session.scalar(select(User).where(User.email == new_user["email"])) is None

    # A signed-in person still does both.
    owner = world.actors["enterprise_a"].browser
    made = owner.post("/api/v1/api-keys", json={"name": "Phần mềm kho"})
    assert made.status_code == 201, made.text
    assert made.json()["scope"] == "write"
    officer = world.actors["agency"].browser
    read_key = officer.post("/api/v1/api-keys", json={"name": "báo cáo"})
    write_key = officer.post("/api/v1/api-keys", json={"name": "xử lý", "scope": "write"})
    assert read_key.json()["scope"] == "read" and write_key.json()["scope"] == "write"


def test_only_administrators_see_administrator_keys(
    client: TestClient, world: World, db_session: Session
) -> None:
    def roles(answer: Any) -> set[str]:
        assert answer.status_code == 200, answer.text
        return {item["role"] for item in answer.json()["items"]}

    admin_keys = db_session.scalars(select(ApiKey.id).where(ApiKey.role == Role.admin)).all()
    assert admin_keys
    for seen_by in (
        client.get("/api/v1/api-keys", headers=world.read_only_agency_headers),
        client.get("/api/v1/api-keys", headers=world.actors["agency"].api_headers),
        world.actors["agency"].browser.get("/api/v1/api-keys"),
        client.get("/api/v1/api-keys", headers=world.actors["enterprise_a"].api_headers),
    ):
        assert "admin" not in roles(seen_by)
    assert "admin" in roles(
        client.get("/api/v1/api-keys", headers=world.actors["admin"].api_headers)
    )


def test_the_cli_says_what_each_key_can_do_and_makes_write_keys_on_request(
    migrated_cli_env: str,
) -> None:
    runner = CliRunner()
    shown = runner.invoke(main, ["apikey", "create", "--help"])
    assert shown.exit_code == 0
    help_text = " ".join(shown.output.split())
    for promise in (
        "reads every enterprise's data; changes nothing",
        "--agency --write",
        "cannot create users or API keys",
        "that enterprise's own data only",
    ):
        assert promise in help_text, promise
    secrets = {}
    for name, flags in (("read", ["--agency"]), ("write", ["--agency", "--write"])):
        made = runner.invoke(main, ["apikey", "create", *flags, "--name", name])
        assert made.exit_code == 0, made.output
        secrets[name] = made.output.strip()
    refused = runner.invoke(main, ["apikey", "create", "--admin", "--write"])
    assert refused.exit_code != 0
    engine = make_engine(migrated_cli_env)
    with Session(engine) as session:
        scopes = {name: scope for name, scope in session.execute(select(ApiKey.name, ApiKey.scope))}
    engine.dispose()
    assert scopes == {"read": KeyScope.read, "write": KeyScope.write}


# -- item 4: accounts


def _form(actor_browser: TestClient, path: str, token: str, **fields: str) -> Any:
    return actor_browser.post(path, data={"csrf_token": token, **fields}, follow_redirects=False)


def _signed_in(app: FastAPI, email: str) -> TestClient:
    browser = TestClient(app, base_url=BASE)
    ratelimit.reset()
    answer = browser.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return browser


def test_deactivation_stops_sessions_and_keys_at_once(
    app: FastAPI, client: TestClient, world: World, db_session: Session
) -> None:
    member = db_session.get(User, world.member_id)
    owner_actor = world.actors["enterprise_a"]
    assert member is not None and owner_actor.user is not None
    assert owner_actor.user.is_owner and not member.is_owner
    member_browser = _signed_in(app, member.email)
    made = member_browser.post("/api/v1/api-keys", json={"name": "máy quét"})
    assert made.status_code == 201, made.text
    member_key = {"Authorization": f"Bearer {made.json()['secret']}"}
    assert client.get("/api/v1/auth/me", headers=member_key).status_code == 200
    assert member_browser.get("/portal", follow_redirects=False).status_code == 200

    # The owner's team page offers the switch; a member's offers none.
    switch = f"/portal/team/users/{member.id}/deactivate"
    assert switch in owner_actor.browser.get("/portal/team").text
    assert "/deactivate" not in member_browser.get("/portal/team").text
    # A member who is not the owner cannot lock the owner out (nor anyone).
    token = _csrf(member_browser)
    before = _snapshot(db_session)
    refused = _form(member_browser, f"/portal/team/users/{owner_actor.user.id}/deactivate", token)
    assert refused.status_code == 403, refused.text
    assert "owner" in refused.json()["message_en"]
    # Nor may an enterprise's key, nor another enterprise's owner (who does not see them).
    _problem(
        client.post(
            f"/api/v1/users/{member.id}/deactivate",
            headers=owner_actor.api_headers,
            json={"reason": "x"},
        ),
        403,
    )
    _problem(
        world.actors["enterprise_b"].browser.post(f"/api/v1/users/{member.id}/deactivate", json={}),
        404,
    )
    assert _snapshot(db_session) == before

    # The owner deactivates the member in the portal: everything of theirs stops at once.
    done = _form(
        owner_actor.browser,
        f"/portal/team/users/{member.id}/deactivate",
        owner_actor.csrf(),
    )
    assert done.status_code == 303 and done.headers["location"] == "/portal/team"
    gone = member_browser.get("/portal", follow_redirects=False)
    assert gone.status_code == 303 and "/login" in gone.headers["location"]
    assert member_browser.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/me", headers=member_key).status_code == 401
    ratelimit.reset()
    again = client.post("/api/v1/auth/login", json={"email": member.email, "password": PASSWORD})
    assert again.status_code == 401
    db_session.expire_all()
    entry = db_session.scalar(
        select(AuditEntry).where(
            AuditEntry.entity == "user",
            AuditEntry.entity_id == str(member.id),
            AuditEntry.action == "deactivate",
        )
    )
    assert entry is not None and entry.actor == owner_actor.user.email
    page = owner_actor.browser.get("/portal/team")
    assert "đã khoá" in page.text


def test_officers_deactivate_any_account_with_a_reason(
    app: FastAPI, client: TestClient, world: World, db_session: Session
) -> None:
    owner = world.actors["enterprise_a"]
    officer = world.actors["agency"]
    assert owner.user is not None and officer.user is not None
    listing = officer.browser.get("/agency/users", params={"q": owner.user.email})
    assert listing.status_code == 200 and owner.user.email in listing.text
    assert f"/agency/users/{owner.user.id}/deactivate" in listing.text

    before = _snapshot(db_session)
    path = f"/agency/users/{owner.user.id}/deactivate"
    silent = officer.browser.post(
        path,
        data={"csrf_token": officer.csrf(), "reason": ""},
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert silent.status_code == 422 and silent.headers["content-type"].startswith("text/html")
    assert "Cán bộ Chi cục cần ghi lý do" in silent.text
    # The officer cannot lock out an administrator, nor themselves.
    admin = world.actors["admin"].user
    assert admin is not None
    for target in (admin.id, officer.user.id):
        answer = _form(
            officer.browser, f"/agency/users/{target}/deactivate", officer.csrf(), reason="Thử"
        )
        assert answer.status_code == 403
    assert _snapshot(db_session) == before

    done = _form(officer.browser, path, officer.csrf(), reason="Doanh nghiệp báo mất máy")
    assert done.status_code == 303
    gone = owner.browser.get("/portal", follow_redirects=False)
    assert gone.status_code == 303 and "/login" in gone.headers["location"]
    assert "Doanh nghiệp báo mất máy" in _audit_reasons(db_session, "user", owner.user.id)

    # Back again: the owner signs in anew (the keys they made stay revoked).
    back = client.post(
        f"/api/v1/users/{owner.user.id}/reactivate",
        headers=officer.api_headers,
        json={"reason": "Đã xác minh lại"},
    )
    assert back.status_code == 200 and back.json()["is_active"] is True
    _signed_in(app, owner.user.email).close()


def test_a_revoked_key_is_refused(client: TestClient, world: World, db_session: Session) -> None:
    headers = world.actors["enterprise_a"].api_headers
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    revoked = world.actors["enterprise_a"].browser.delete(f"/api/v1/api-keys/{world.api_key_id}")
    assert revoked.status_code == 204
    _problem(client.get("/api/v1/products", headers=headers), 401)
    before = _snapshot(db_session)
    _problem(client.post("/api/v1/products", headers=headers, json={"name_vi": "Xoài"}), 401)
    assert _snapshot(db_session) == before


def _csrf(browser: TestClient) -> str:
    import base64
    import json

    for cookie in browser.cookies.jar:
        if cookie.name == "truyxuat_session" and cookie.value:
            data = json.loads(base64.b64decode(cookie.value.split(".", 1)[0] + "=="))
            return str(data.get("csrf", ""))
    return ""


# -- item 4: sign-in throttling per account


def _guess(app: FastAPI, address: str, email: str, password: str = "doan-mo-123") -> Any:
    """One sign-in through the portal form from its own address; the forwarded header
    is the attacker's to set, and the app does not trust it."""
    browser = TestClient(app, base_url=BASE, client=(address, 50000))
    browser.get("/login")
    answer = browser.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": _csrf(browser)},
        headers={"X-Forwarded-For": "198.51.100.7", "Accept-Language": "vi"},
        follow_redirects=False,
    )
    browser.close()
    return answer


def test_sign_in_is_throttled_per_account_across_addresses(
    app: FastAPI, client: TestClient, db_session: Session
) -> None:
    user = make_user(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    ratelimit.reset()
    answers = {
        email: [_guess(app, f"203.0.113.{i}", email) for i in range(12)]
        for email in (user.email, "khong-co-ai@example.vn")
    }
    limit = ratelimit.SIGN_IN_FAILURES_ALLOWED
    for email, guesses in answers.items():
        statuses = [a.status_code for a in guesses]
        assert statuses == [400] * limit + [429] * (12 - limit), (email, statuses)
        assert "quá nhiều lần" in guesses[-1].text
    # The same answer for an account that exists and one that does not.
    message = "Đăng nhập bằng e-mail này đang tạm dừng vì đã sai mật khẩu quá nhiều lần."
    assert all(message in guesses[-1].text for guesses in answers.values())
    # Even the right password waits, at either door, from yet another address.
    assert _guess(app, "192.0.2.200", user.email, PASSWORD).status_code == 429
    api = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    body = _problem(api, 429)
    assert "Sign-in with this e-mail is paused" in body["message_en"]
    ratelimit.reset()
    assert _guess(app, "192.0.2.201", user.email, PASSWORD).status_code == 303


def test_the_cli_deactivates_a_user_with_a_reason(migrated_cli_env: str) -> None:
    runner = CliRunner()
    email = "can-bo@chicuc.gov.vn"
    created = runner.invoke(
        main,
        ["user", "create", "--email", email, "--role", "agency", "--password-stdin"],
        input="mat-khau-that-dai\n",
    )
    assert created.exit_code == 0, created.output
    unknown = runner.invoke(
        main, ["user", "deactivate", "--email", "khong-co@x.vn", "--reason", "Nghỉ việc"]
    )
    assert unknown.exit_code != 0 and "No account" in unknown.output
    done = runner.invoke(main, ["user", "deactivate", "--email", email, "--reason", "Nghỉ việc"])
    assert done.exit_code == 0, done.output
    engine = make_engine(migrated_cli_env)
    with Session(engine) as session:
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None and not user.is_active
        reasons = _audit_reasons(session, "user", user.id)
    engine.dispose()
    assert "Nghỉ việc" in reasons


def test_guesses_at_made_up_e_mails_do_not_grow_the_failure_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ratelimit.reset()
    monkeypatch.setattr(ratelimit, "MAX_CLIENTS", 5)
    monkeypatch.setattr(ratelimit, "SIGN_IN_FAILURE_WINDOW_SECONDS", 0.0)
    for i in range(50):
        ratelimit.record_sign_in(f"bia-{i}@example.vn", succeeded=False)
    assert len(ratelimit._failures) <= 6
    ratelimit.reset()
