"""Demo scans: months of phone scans over the province's wards, written through the
scans domain (`write_batch`), so the per-serial rollups and the statistics rollups move
with them exactly as they do for the resolver's scans.

Every scan comes from a phone-like client: its User-Agent is classified by the same rule
the resolver uses (`agent_class`), and a bot-looking one would be refused here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.places.models import AdminUnit
from registry.scans.device import agent_class, code_sources, device_hash, device_identity
from registry.scans.models import AgentClass
from registry.scans.recorder import Place, ScanRecord, write_batch
from registry.stats.rollups import REPORTING_ZONE

PROVINCE_CODE = "82"
DAYS = 180
PHONES = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/126.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13; Redmi Note 12) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/125.0.0.0 Mobile Safari/537.36 Zalo android/12090620",
    "Mozilla/5.0 (Linux; Android 12; OPPO A57) AppleWebKit/537.36 (KHTML, like Gecko)"
    " SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
)
# Home and mobile-carrier blocks (VNPT, Viettel, FPT): one /24 is one network.
_CARRIERS = ("14.161", "113.185", "171.250", "27.72", "42.114", "116.110")


@dataclass(frozen=True)
class ScanTarget:
    """A code consumers scan: a GTIN, with a lot and the run's serials when it has them."""

    gtin: str
    lot: str | None
    verdict: str
    available_from: dt.date
    serials: Sequence[str] = ()
    serial_verdict: str = "genuine"


@dataclass(frozen=True)
class Phone:
    cookie: str
    network: str
    user_agent: str


def _phones(rng: random.Random, count: int, *, name: str = "phone") -> list[Phone]:
    phones = []
    for number in range(count):
        carrier = rng.choice(_CARRIERS)
        network = f"{carrier}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        phones.append(Phone(f"demo-{name}-{number:05d}", network, rng.choice(PHONES)))
    for phone in phones:
        if agent_class(phone.user_agent) is not AgentClass.mobile:
            raise ValueError(f"demo User-Agent would not count as a phone: {phone.user_agent}")
    return phones


def province_places(session: Session) -> list[Place]:
    """The province's current wards, where consumers say they scanned."""
    wards = session.scalars(
        select(AdminUnit.code)
        .where(AdminUnit.parent_code == PROVINCE_CODE, AdminUnit.valid_until.is_(None))
        .order_by(AdminUnit.code)
    ).all()
    return [Place(province_code=PROVINCE_CODE, ward_code=ward) for ward in wards]


class ScanMaker:
    """Builds scan records the way the resolver does (device hash, per-code network and
    device ids), for a given time, phone and code."""

    def __init__(self, secret_key: str) -> None:
        self.secret_key = secret_key

    def record(
        self,
        *,
        at: dt.datetime,
        phone: Phone,
        gtin: str,
        lot: str | None,
        serial: str | None,
        verdict: str,
        place: Place = Place(),
    ) -> ScanRecord:
        identity = device_identity(cookie=phone.cookie)
        network, device = code_sources(
            secret_key=self.secret_key,
            code=(gtin, lot or "", serial or ""),
            network=phone.network,
            device=identity,
        )
        return ScanRecord(
            scanned_at=at,
            gtin=gtin,
            lot=lot,
            serial=serial,
            verdict=verdict,
            device_hash=device_hash(secret_key=self.secret_key, device=identity, day=at.date()),
            agent_class=agent_class(phone.user_agent).value,
            place=place,
            network=network if serial else "",
            device=device if serial else "",
        )


def _moment(rng: random.Random, day: dt.date) -> dt.datetime:
    # Shoppers scan between 7:00 and 21:59, local time.
    local = dt.datetime.combine(
        day, dt.time(rng.randrange(7, 22), rng.randrange(60), rng.randrange(60))
    )
    return local.replace(tzinfo=REPORTING_ZONE).astimezone(dt.UTC)


def history(
    targets: Sequence[ScanTarget],
    places: Sequence[Place],
    maker: ScanMaker,
    *,
    now: dt.datetime,
    seed: int = 17,
) -> list[ScanRecord]:
    """About 25 scans a day over DAYS days, growing as adoption grows. A serial is
    always scanned by the phone that bought it, so no demo serial looks copied."""
    rng = random.Random(seed)
    phones = _phones(rng, 900)
    owners: dict[str, Phone] = {}
    records = []
    today = now.astimezone(REPORTING_ZONE).date()
    for back in range(DAYS, -1, -1):
        day = today - dt.timedelta(days=back)
        ready = [t for t in targets if t.available_from <= day]
        if not ready:
            continue
        growth = 8 + (DAYS - back) // 5
        weekend = 1.4 if day.weekday() >= 5 else 1.0
        for _ in range(int(growth * weekend)):
            at = _moment(rng, day)
            if at > now:
                continue
            target = rng.choice(ready)
            serial = rng.choice(target.serials) if target.serials else None
            phone = owners.setdefault(serial, rng.choice(phones)) if serial else rng.choice(phones)
            shared = rng.random() < 0.6
            records.append(
                maker.record(
                    at=at,
                    phone=phone,
                    gtin=target.gtin,
                    lot=target.lot,
                    serial=serial,
                    verdict=target.serial_verdict if serial else target.verdict,
                    place=rng.choice(places) if shared and places else Place(),
                )
            )
    return records


def copied_serial_scans(
    target: ScanTarget, serial: str, places: Sequence[Place], maker: ScanMaker, *, now: dt.datetime
) -> list[ScanRecord]:
    """One serial scanned in the last days from far more networks and phones than one
    household has: the suspicious-copy rule's case."""
    rng = random.Random(21)
    phones = _phones(rng, 12, name="copy")
    records = []
    for number, phone in enumerate(phones):
        at = now - dt.timedelta(days=9 - number * 0.7, minutes=rng.randrange(600))
        records.append(
            maker.record(
                at=min(at, now),
                phone=phone,
                gtin=target.gtin,
                lot=target.lot,
                serial=serial,
                verdict="genuine" if number < 4 else "suspicious_copy",
                place=rng.choice(places) if places else Place(),
            )
        )
    return records


def store(session: Session, records: Sequence[ScanRecord]) -> None:
    """In time order, in batches the size the recorder writes under load."""
    ordered = sorted(records, key=lambda r: r.scanned_at)
    for start in range(0, len(ordered), 5000):
        write_batch(session, ordered[start : start + 5000])
