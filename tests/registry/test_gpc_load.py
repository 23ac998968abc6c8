"""Reading GS1 GPC XML: the sample loads on both databases, hostile files are refused
before anything is stored, and `truyxuat gpc load` loads a file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.errors import InvalidInput
from registry.gpc import load as gpc_load
from registry.gpc.load import read_gpc
from registry.gpc.models import GpcCategory, GpcLevel
from registry.gpc.service import SAMPLE_GPC, brick_titles, find_brick, load_gpc, search_bricks
from service.cli import main
from tests.testdata import data_path

SAMPLE = data_path("gpc", "gpc-sample-en.xml")


def _xml(body: str, prolog: str = "") -> io.BytesIO:
    return io.BytesIO(f'<?xml version="1.0" encoding="UTF-8"?>{prolog}{body}'.encode())


def _refused(stream: io.BytesIO) -> str:
    with pytest.raises(InvalidInput) as caught:
        list(read_gpc(stream))
    assert caught.value.field == "file"
    assert caught.value.message_vi and caught.value.message_en
    return caught.value.message_en


def test_the_packaged_sample_is_the_test_sample() -> None:
    assert SAMPLE_GPC.read_bytes() == SAMPLE.read_bytes()


def test_the_sample_loads_with_its_hierarchy(db_session: Session) -> None:
    with SAMPLE.open("rb") as stream:
        loaded = load_gpc(db_session, actor=SYSTEM, stream=stream)
    assert (loaded.segments, loaded.families, loaded.classes, loaded.bricks) == (2, 6, 11, 39)
    durian = find_brick(db_session, "10005806")
    assert durian is not None and durian.title == "Durians"
    fresh = db_session.get(GpcCategory, durian.parent_code)
    assert fresh is not None and fresh.level == GpcLevel.class_
    family = db_session.get(GpcCategory, fresh.parent_code)
    assert family is not None and family.title == "Fruits - Unprepared/Unprocessed (Fresh)"
    # A class or family code is not a brick; attribute values below bricks are not kept.
    assert find_brick(db_session, "50350100") is None
    assert db_session.get(GpcCategory, "30001001") is None
    # Found by title, by code prefix and by the title of its class.
    assert [b.code for b in search_bricks(db_session, text="durian")] == ["10005806", "10005845"]
    assert "10005850" in {b.code for b in search_bricks(db_session, text="Dried Shrimp")}
    assert {b.code for b in search_bricks(db_session, text="1000580")} >= {"10005806"}
    assert len(search_bricks(db_session, text="Tropical")) == 12
    assert search_bricks(db_session, text="%") == []
    assert brick_titles(db_session, {"10005807", "50350000", ""}) == {"10005807": "Mangoes"}
    # Loading again replaces, not doubles.
    with SAMPLE.open("rb") as stream:
        load_gpc(db_session, actor=SYSTEM, stream=stream)
    assert db_session.scalar(select(func.count()).select_from(GpcCategory)) == 58


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        (
            _xml(
                '<schema><segment code="50000000" text="&x;"/></schema>',
                '<!DOCTYPE schema [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
            ),
            "DOCTYPE",
        ),
        (
            _xml(
                "<schema>&b;</schema>",
                '<!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]>',
            ),
            "DOCTYPE",
        ),
        (_xml("<schema/>", '<!DOCTYPE schema SYSTEM "http://example.com/gpc.dtd">'), "DOCTYPE"),
        (_xml('<catalogue><segment code="50000000" text="Food"/></catalogue>'), "<schema>"),
        (_xml("<catalogue/>"), "<schema>"),
        (_xml('<schema><segment code="5000" text="Food"/></schema>'), "8 digits"),
        (
            _xml(
                '<schema><segment code="50000000" text="Food"/>'
                '<segment code="50000000" text="Food again"/></schema>'
            ),
            "appears twice",
        ),
        (_xml('<schema><brick code="10005806" text="Durians"/></schema>'), "wrong level"),
        (_xml('<schema><segment code="50000000" text=""/></schema>'), "no title"),
        (_xml('<schema><segment code="50000000" text="' + "x" * 301 + '"/></schema>'), "title"),
        (_xml('<schema><segment code="50000000" text="Food">'), "well-formed"),
        (io.BytesIO(b"PK\x03\x04 not xml at all"), "well-formed"),
        (io.BytesIO(b""), "well-formed"),
    ],
    ids=[
        "xxe",
        "billion-laughs",
        "external-dtd",
        "wrong-root",
        "other-root",
        "short-code",
        "duplicate",
        "brick-at-top",
        "no-title",
        "long-title",
        "truncated",
        "zip",
        "empty",
    ],
)
def test_hostile_or_broken_files_are_refused(stream: io.BytesIO, expected: str) -> None:
    assert expected in _refused(stream)


def test_size_and_entry_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    body = SAMPLE.read_bytes()
    monkeypatch.setattr(gpc_load, "MAX_FILE_BYTES", len(body) - 1)
    assert "too large" in _refused(io.BytesIO(body))
    monkeypatch.setattr(gpc_load, "MAX_FILE_BYTES", len(body))
    monkeypatch.setattr(gpc_load, "MAX_CATEGORIES", 30)
    assert "too many GPC entries" in _refused(io.BytesIO(body))


def test_a_file_without_bricks_stores_nothing(db_session: Session) -> None:
    stream = _xml('<schema><segment code="50000000" text="Food"/></schema>')
    with pytest.raises(InvalidInput, match="no GPC bricks"):
        load_gpc(db_session, actor=SYSTEM, stream=stream)


def test_the_command_loads_a_file(
    committed_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry.settings import get_settings

    monkeypatch.setenv("TRUYXUAT_DATABASE_URL", committed_database_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        loaded = runner.invoke(main, ["gpc", "load", str(SAMPLE)])
        assert loaded.exit_code == 0, loaded.output
        assert "39 bricks" in loaded.output
        hostile = tmp_path / "xxe.xml"
        hostile.write_bytes(
            b'<?xml version="1.0"?><!DOCTYPE schema [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<schema><segment code="50000000" text="&x;"/></schema>'
        )
        refused = runner.invoke(main, ["gpc", "load", str(hostile)])
        assert refused.exit_code == 1
        assert "DOCTYPE" in refused.output
        assert runner.invoke(main, ["gpc", "load"]).exit_code == 2
    finally:
        get_settings.cache_clear()
    engine = create_engine(committed_database_url)
    with engine.connect() as connection:
        bricks = connection.scalar(
            select(func.count()).select_from(GpcCategory).where(GpcCategory.level == "brick")
        )
    engine.dispose()
    assert bricks == 39
