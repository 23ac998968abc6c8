"""`truyxuat gpc load FILE`: load GS1's Global Product Classification (GPC XML)."""

from __future__ import annotations

from pathlib import Path

import click


@click.group(help="Phân loại sản phẩm toàn cầu GS1 (GPC) / GS1 Global Product Classification.")
def gpc() -> None:
    pass


@gpc.command(
    "load",
    help="Replace the loaded GPC with a GS1 GPC XML publication (segments, families, "
    "classes, bricks). `--sample` loads the small sample shipped for the demo.",
)
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--sample", is_flag=True, help="Load the sample GPC shipped with truyxuat")
def gpc_load(file: Path | None, sample: bool) -> None:
    from registry.actor import SYSTEM
    from registry.db import make_engine, make_sessionmaker, unit_of_work
    from registry.gpc.service import SAMPLE_GPC, load_gpc
    from registry.settings import get_settings

    if (file is None) == (not sample):
        raise click.UsageError("Give a FILE or --sample (one of them).")
    path = SAMPLE_GPC if sample else file
    assert path is not None
    engine = make_engine(get_settings().database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session, path.open("rb") as stream:
            loaded = load_gpc(session, actor=SYSTEM, stream=stream)
    finally:
        engine.dispose()
    click.echo(
        f"Đã nạp GPC: {loaded.segments} segment, {loaded.families} family, "
        f"{loaded.classes} class, {loaded.bricks} brick / GPC loaded: {loaded.segments} "
        f"segments, {loaded.families} families, {loaded.classes} classes, {loaded.bricks} bricks"
    )
