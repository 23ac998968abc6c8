"""`truyxuat events rehash`: give stored events the hash the current algorithm gives them."""

from __future__ import annotations

import click


@click.group(help="EPCIS events.")
def events() -> None:
    pass


@events.command(
    "rehash",
    help="Recompute every stored event's CBV 2.0 hash and store it where it differs "
    "(events captured without an eventID take the new hash as their id).",
)
def events_rehash() -> None:
    from registry.db import make_engine, make_sessionmaker, unit_of_work
    from registry.events.rehash import rehash_events
    from registry.settings import get_settings

    engine = make_engine(get_settings().database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        summary = rehash_events(session)
    engine.dispose()
    click.echo(
        f"{summary.checked} sự kiện đã kiểm tra, {summary.rehashed} được băm lại "
        f"({summary.renamed} đổi eventID) / {summary.checked} events checked, "
        f"{summary.rehashed} rehashed ({summary.renamed} with a new eventID)"
    )
