"""Events benchmark: capture throughput and full-trace latency, SQLite and PostgreSQL.

    .venv/bin/python bench/bench_events.py [--events 10000] [--width 1000] [--depth 10]

Capture: one EPCIS document of N ObjectEvents (lot quantities, Digital Link and EPC URI
mixed) through `capture_document` (schema, identifiers, hash, index rows), compared with
bare executemany inserts of the same event rows in the same run. Then the same number of
other events as a request body, JSON and EPCIS 2.0 XML, through what POST /epcis/capture
runs in its worker (`capture_body`: parse, XSD or JSON schema, capture, commit of the
job), from the bytes to the committed job. Trace: a genealogy
`depth` levels deep and `width` lots wide (each lot made from two lots of the level
before), traced from the bottom (whole upstream), the top (whole downstream) and the
middle. PostgreSQL runs in a database created for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

import registry.models  # noqa: F401  (every table)
from registry.actor import SYSTEM
from registry.db import Base, make_engine, unit_of_work
from registry.events.capture import capture_document
from registry.events.capture_worker import capture_body
from registry.events.identifiers import Key
from registry.events.models import EVENT_TABLES, EpcisEvent
from registry.events.trace import trace
from registry.events.xml.write import epcis_xml
from registry.gs1 import gs1_check_digit
from registry.migrate import upgrade

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def _gtin(n: int) -> str:
    body = f"0893618{n:06d}"
    return body + gs1_check_digit(body)


def _lot(level: int, index: int) -> str:
    return Key(("01", _gtin(level)), (("10", f"L{index:05d}"),)).uri()


def _document(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-06-01T00:00:00Z",
        "epcisBody": {"eventList": events},
    }


def capture_events(count: int, *, first: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(1)
    events = []
    for i in range(first, first + count):
        gtin = _gtin(i % 50)
        lot = f"LOT{i % 700:04d}"
        epc_class = (
            f"https://id.gs1.org/01/{gtin}/10/{lot}"
            if i % 2
            else f"urn:epc:class:lgtin:893618.{gtin[0]}{gtin[7:13]}.{lot}"
        )
        events.append(
            {
                "type": "ObjectEvent",
                "action": "OBSERVE",
                "bizStep": rng.choice(["shipping", "receiving", "storing", "inspecting"]),
                "disposition": "in_progress",
                "eventTime": (START + dt.timedelta(seconds=i)).isoformat(),
                "eventTimeZoneOffset": "+07:00",
                "quantityList": [{"epcClass": epc_class, "quantity": 10 + i % 7, "uom": "KGM"}],
                "readPoint": {"id": "https://id.gs1.org/414/8936180000016"},
                "bizLocation": {"id": "urn:epc:id:sgln:893618.000001.0"},
            }
        )
    return events


def genealogy_events(width: int, depth: int) -> list[dict[str, Any]]:
    rng = random.Random(2)
    events = []
    for level in range(1, depth):
        for index in range(width):
            inputs = rng.sample(range(width), 2)
            events.append(
                {
                    "type": "TransformationEvent",
                    "bizStep": "commissioning",
                    "eventTime": (START + dt.timedelta(minutes=level * width + index)).isoformat(),
                    "eventTimeZoneOffset": "+07:00",
                    "inputQuantityList": [
                        {"epcClass": _lot(level - 1, i), "quantity": 5, "uom": "KGM"}
                        for i in inputs
                    ],
                    "outputQuantityList": [
                        {"epcClass": _lot(level, index), "quantity": 10, "uom": "KGM"}
                    ],
                }
            )
    return events


@contextmanager
def database(kind: str) -> Iterator[Engine]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
            upgrade(url)
            engine = make_engine(url)
            Base.metadata.create_all(engine, tables=EVENT_TABLES)
            yield engine
            engine.dispose()
        return
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    name = f"truyxuat_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        engine = make_engine(url)
        Base.metadata.create_all(engine, tables=EVENT_TABLES)
        yield engine
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def bench(kind: str, args: argparse.Namespace) -> None:
    with database(kind) as engine:
        sessions = sessionmaker(bind=engine, expire_on_commit=False)
        events = capture_events(args.events)

        def capture(document: dict[str, Any]) -> None:
            with unit_of_work(sessions) as session:
                capture_document(session, actor=SYSTEM, document=document)

        capture(_document(capture_events(20)[10:]))  # warm-up: compiled schema, connections
        seconds = timed(lambda: capture(_document(events)))
        rate = args.events / seconds

        def bare_insert() -> None:
            with unit_of_work(sessions) as session:
                session.execute(
                    insert(EpcisEvent),
                    [
                        {
                            "event_id": f"bare-{i}",
                            "content_hash": "x",
                            "event_type": "ObjectEvent",
                            "event_time": START,
                            "record_time": START,
                            "document": e,
                        }
                        for i, e in enumerate(events)
                    ],
                )

        bare = args.events / timed(bare_insert)
        print(
            f"{kind:10} capture {args.events} events: {seconds:6.2f} s = {rate:7.0f} events/s"
            f"  (bare executemany of the rows: {bare:7.0f}/s, ratio {rate / bare:.2f};"
            f" goal 2000/s: {rate / 2000:.1f}x)"
        )

        url = engine.url.render_as_string(hide_password=False)
        for offset, (notation, encode) in enumerate(
            (("json", lambda d: json.dumps(d).encode()), ("xml", epcis_xml)), start=1
        ):
            body = encode(_document(capture_events(args.events, first=offset * args.events)))
            seconds = timed(
                lambda b=body, n=notation: capture_body(
                    url, actor=SYSTEM, body=b, notation=n, error_behaviour="rollback"
                )
            )
            print(
                f"{kind:10} POST body to committed job, {notation:4} {args.events} events "
                f"({len(body) / 1e6:.1f} MB): {seconds:6.2f} s = {args.events / seconds:7.0f}"
                f" events/s (goal 2000/s: {args.events / seconds / 2000:.1f}x)"
            )

        genealogy = genealogy_events(args.width, args.depth)
        seconds = timed(lambda: capture(_document(genealogy)))
        print(
            f"{kind:10} capture genealogy ({len(genealogy)} transformations): "
            f"{len(genealogy) / seconds:7.0f} events/s"
        )
        if kind == "postgresql":
            # What autovacuum would do after a bulk load: fresh planner statistics.
            with engine.connect() as connection:
                connection.execute(text("ANALYZE"))
                connection.commit()
        used = {q["epcClass"] for e in genealogy for q in e["inputQuantityList"]}
        with Session(engine) as session:
            for label, level in (
                ("bottom (all upstream)", args.depth - 1),
                ("middle", args.depth // 2),
                ("top (all downstream)", 0),
            ):
                node = next(
                    _lot(level, i)
                    for i in range(args.width)
                    if level == args.depth - 1 or _lot(level, i) in used
                )
                found = trace(session, actor=SYSTEM, identifier=node)
                runs = [
                    timed(lambda n=node: trace(session, actor=SYSTEM, identifier=n))
                    for _ in range(args.repeat)
                ]
                print(
                    f"{kind:10} full trace from {label:22}: median "
                    f"{statistics.median(runs) * 1000:7.1f} ms, up {len(found.upstream):5}"
                    f" / down {len(found.downstream):5} lots (goal 100 ms: "
                    f"{statistics.median(runs) * 1000 / 100:.2f}x)"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--width", type=int, default=1000)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    for kind in ("sqlite", "postgresql"):
        if args.only in (None, kind):
            bench(kind, args)


if __name__ == "__main__":
    main()
