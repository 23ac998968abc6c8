"""The suspicious-copy rule counts networks and device cookies, never User-Agents: one
network can never make a genuine label suspicious, many networks (as a trusted proxy
reports them) do; statistics count a few scans per network, code and day."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.scans.models import Scan, SerialScanDay, SerialScanSource
from registry.scans.recorder import ScanRecorder
from registry.settings import Settings
from registry.stats.models import ScanPeriodProduct
from service.resolver.scanning import DEVICE_COOKIE
from tests.resolver.conftest import World

PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36"


def _scan_as_new_phone(client: TestClient, path: str, *, agent: str, forwarded: str = "") -> str:
    """A scan from a phone never seen before: no device cookie, its own User-Agent."""
    client.cookies.clear()
    headers = {"user-agent": agent, "accept": "text/html"}
    if forwarded:
        headers["x-forwarded-for"] = forwarded
    page = client.get(path, headers=headers)
    assert page.status_code == 200
    return "suspicious_copy" if 'data-verdict="suspicious_copy"' in page.text else "other"


def _verdicts(session: Session, serial: str) -> list[str]:
    return list(
        session.scalars(select(Scan.verdict).where(Scan.serial == serial).order_by(Scan.id))
    )


def test_many_user_agents_and_cookies_from_one_network_stay_genuine(
    stall: TestClient, app: FastAPI, world: World, db_session: Session, rollup_reads: str
) -> None:
    serial = world.serials[1]
    path = world.path(lot=world.lot, serial=serial)
    for number in range(12):
        assert _scan_as_new_phone(stall, path, agent=f"{PHONE} build/{number}") == "other"
        if number == 5:
            app.state.scan_recorder.flush()
    app.state.scan_recorder.flush()
    assert set(_verdicts(db_session, serial)) == {"genuine"}
    networks = db_session.scalars(
        select(SerialScanSource.source).where(
            SerialScanSource.serial == serial, SerialScanSource.kind == "network"
        )
    ).all()
    assert len(networks) == 1


def test_forwarded_for_from_an_untrusted_peer_makes_no_networks(
    stall: TestClient, app: FastAPI, world: World, db_session: Session
) -> None:
    serial = world.serials[2]
    path = world.path(lot=world.lot, serial=serial)
    for number in range(12):
        verdict = _scan_as_new_phone(stall, path, agent=PHONE, forwarded=f"10.{number}.0.9")
        assert verdict == "other"
    app.state.scan_recorder.flush()
    assert set(_verdicts(db_session, serial)) == {"genuine"}


def test_many_networks_via_the_trusted_proxy_make_a_suspicious_copy(
    via_proxy: TestClient,
    proxied_app: FastAPI,
    settings: Settings,
    world: World,
    db_session: Session,
    rollup_reads: str,
) -> None:
    serial = world.serials[3]
    path = world.path(lot=world.lot, serial=serial)
    seen = []
    for number in range(9):
        seen.append(_scan_as_new_phone(via_proxy, path, agent=PHONE, forwarded=f"10.{number}.0.9"))
        if number == 3:
            proxied_app.state.scan_recorder.flush()  # part stored, part still buffered
    # The rule: more than 3 networks and more than 5 devices, the page's own scan
    # included (settings.suspicious_network_count and _device_count): the sixth phone.
    calm = max(settings.suspicious_network_count, settings.suspicious_device_count)
    assert seen == ["other"] * calm + ["suspicious_copy"] * (9 - calm)
    proxied_app.state.scan_recorder.flush()
    verdicts = _verdicts(db_session, serial)
    assert verdicts[-1] == "suspicious_copy" and verdicts[0] == "genuine"


def test_one_phone_roaming_between_networks_is_one_device(
    via_proxy: TestClient, world: World
) -> None:
    path = world.path(lot=world.lot, serial=world.serials[4])
    first = via_proxy.get(path, headers={"x-forwarded-for": "10.50.0.9"}, follow_redirects=False)
    assert first.status_code == 307
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"{DEVICE_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    assert "Max-Age=34560000" in cookie
    for number in range(9):  # home wifi, mobile data, the office: the same cookie
        page = via_proxy.get(
            path, headers={"x-forwarded-for": f"10.{60 + number}.0.9", "accept": "text/html"}
        )
        assert 'data-verdict="suspicious_copy"' not in page.text
    again = via_proxy.get(path, headers={"x-forwarded-for": "10.70.0.9"}, follow_redirects=False)
    assert "set-cookie" not in again.headers  # a phone keeps the cookie it has


def test_statistics_count_three_scans_per_network_code_and_day(
    stall: TestClient, recorder: ScanRecorder, world: World, db_session: Session
) -> None:
    serial = world.serials[5 % len(world.serials)]
    path = world.path(lot=world.lot, serial=serial)
    for number in range(21):
        stall.get(path, headers={"user-agent": f"{PHONE} {number}"}, follow_redirects=False)
    recorder.flush()
    assert len(_verdicts(db_session, serial)) == 21  # every scan is stored
    (day,) = db_session.scalars(select(SerialScanDay).where(SerialScanDay.serial == serial))
    assert day.scan_count == 3
    products = db_session.scalars(
        select(ScanPeriodProduct.scan_count).where(ScanPeriodProduct.gtin == world.product.gtin)
    ).all()
    assert products and set(products) == {3}  # month, quarter and year alike
