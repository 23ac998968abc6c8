"""My statistics: read from the rollups the scan writer keeps, they give the numbers the
raw scans give (people's scans, in Vietnam months), and only of my products."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import Counter

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from registry.agents import COUNTED_AGENTS
from registry.places.models import AdminUnit
from registry.reports.models import ConsumerReport, ReportKind
from registry.scans.models import Scan
from registry.scans.recorder import Place, ScanRecord, write_batch
from registry.scans.service import attach_place
from registry.stats.producer import last_months
from registry.stats.rollups import local_day
from tests.factories import WARD_CAI_BE, make_enterprise, make_product
from tests.portal.conftest import Browser, Member

WARD_DAO_THANH = "28249"
PROVINCE = "82"
_BAR = re.compile(
    r'<span class="bar-label">(.*?)</span>.*?<span class="bar-count">(\d+)</span>', re.S
)


def _month_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 15)


def _record(
    at: dt.datetime,
    gtin: str,
    *,
    verdict: str = "genuine",
    agent: str = "mobile",
    place: Place = Place(),
    serial: str = "S1",
) -> ScanRecord:
    return ScanRecord(at, gtin, "L1", serial, verdict, "d" * 32, agent, place)


def _bars(page: str, section: str) -> dict[str, int]:
    """The bars of one section of the statistics page: label -> count."""
    start = page.index(f'id="{section}-title"')
    end = page.index("</section>", start)
    return {html.unescape(label): int(n) for label, n in _BAR.findall(page[start:end])}


def _raw_counts(
    session: Session, gtins: dict[str, str], names: dict[str, str]
) -> dict[str, dict[str, int]]:
    """What the raw scan table says, counted as the rollups count."""
    window = set(last_months(local_day(dt.datetime.now(dt.UTC))))
    by = {"month": Counter[str](), "product": Counter[str](), "place": Counter[str]()}
    for scan in session.scalars(select(Scan).where(Scan.gtin.in_(gtins))):
        month = local_day(scan.scanned_at).replace(day=1)
        if scan.agent_class not in COUNTED_AGENTS or month not in window:
            continue
        by["month"][f"{month:%m/%Y}"] += 1
        by["product"][f"{gtins[scan.gtin]} ({scan.gtin})"] += 1
        if code := scan.ward_code or scan.province_code:
            by["place"][names[code]] += 1
    return {key: dict(counter) for key, counter in by.items()}


def test_statistics_read_the_rollups_and_give_the_raw_counts(
    db_session: Session, browser: Browser, member: Member
) -> None:
    pomelo = make_product(db_session, enterprise=member.enterprise, name_vi="Bưởi da xanh")
    mango = make_product(db_session, enterprise=member.enterprise, name_vi="Xoài cát")
    theirs = make_product(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    now = dt.datetime.now(dt.UTC)
    today = local_day(now)
    # 00:30 on the first of this month in Vietnam is still the last month in UTC.
    first_local = dt.datetime.combine(today.replace(day=1), dt.time(0, 30))
    month_start = (first_local - dt.timedelta(hours=7)).replace(tzinfo=dt.UTC)

    def at(months_back: int) -> dt.datetime:
        day = _month_back(today, months_back)
        return dt.datetime.combine(day, dt.time(3, 0), tzinfo=dt.UTC)

    cai_be, dao_thanh = Place(PROVINCE, WARD_CAI_BE), Place(PROVINCE, WARD_DAO_THANH)
    write_batch(
        db_session,
        [
            _record(month_start, pomelo.gtin, place=cai_be),
            _record(at(1), pomelo.gtin, place=cai_be),
            _record(at(1), pomelo.gtin, verdict="suspicious_copy", place=dao_thanh),
            _record(at(3), mango.gtin, place=Place(PROVINCE)),
            _record(at(3), mango.gtin, agent="desktop"),
            _record(at(11), mango.gtin, place=dao_thanh),
            _record(at(1), pomelo.gtin, agent="bot", place=cai_be),
            _record(at(1), pomelo.gtin, agent="repeat", place=cai_be),
            _record(at(12), pomelo.gtin, place=cai_be),  # a year ago: outside the window
            _record(at(1), theirs.gtin, place=cai_be),
        ],
    )
    # A consumer shares their place after the scan was stored: the count moves with it.
    write_batch(db_session, [_record(now - dt.timedelta(minutes=5), mango.gtin, serial="S9")])
    assert attach_place(
        db_session, None, gtin=mango.gtin, lot="L1", serial="S9", device_hash="d" * 32,
        place=dao_thanh, since=now - dt.timedelta(hours=1),
    )  # fmt: skip
    db_session.flush()

    gtins = {pomelo.gtin: "Bưởi da xanh", mango.gtin: "Xoài cát"}
    names = dict(db_session.execute(select(AdminUnit.code, AdminUnit.name)).all())
    raw = _raw_counts(db_session, gtins, names)
    assert sum(raw["month"].values()) == 7  # not bots, repeats, a year ago or theirs
    assert raw["place"] == {"Cái Bè": 2, "Đạo Thạnh": 3, names[PROVINCE]: 1}

    page = browser.client.get("/portal/stats").text
    shown = {key: _bars(page, key) for key in ("month", "product", "place")}
    assert shown == raw
    # The page reads the rollups, not the scan table: without the scans it says the same.
    db_session.execute(delete(Scan))
    db_session.flush()
    again = browser.client.get("/portal/stats").text
    assert {key: _bars(again, key) for key in ("month", "product", "place")} == raw


def test_statistics_count_my_scans_and_reports_only(
    db_session: Session, browser: Browser, member: Member
) -> None:
    mine = make_product(db_session, enterprise=member.enterprise, name_vi="Bưởi da xanh")
    theirs = make_product(db_session, enterprise=make_enterprise(db_session))
    db_session.flush()
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    write_batch(
        db_session,
        [
            _record(yesterday, mine.gtin, place=Place(PROVINCE, WARD_CAI_BE)),
            _record(yesterday, mine.gtin),
            _record(
                yesterday, mine.gtin, verdict="suspicious_copy", place=Place(ward_code=WARD_CAI_BE)
            ),
            _record(yesterday, theirs.gtin, verdict="suspicious_copy"),
        ],
    )
    db_session.add(
        ConsumerReport(
            kind=ReportKind.quality, gtin=mine.gtin, message="Bưởi bị dập", device_hash="d" * 32
        )
    )
    db_session.flush()
    page = browser.client.get("/portal/stats").text
    assert _bars(page, "product") == {f"Bưởi da xanh ({mine.gtin})": 3}  # not theirs
    assert _bars(page, "place") == {"Cái Bè": 2}  # scans by place name the ward
    assert page.count("Nghi tem bị sao chép") == 1
    assert "Bưởi bị dập" in page
    assert theirs.gtin not in page
