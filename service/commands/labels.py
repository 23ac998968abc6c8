"""`truyxuat labels render`: one symbol to SVG, PNG or PDF (print runs: labels.output)."""

from __future__ import annotations

from pathlib import Path

import click

from labels.content import compressed_content
from labels.encoding import SymbolKind
from labels.errors import LabelError
from labels.render import to_pdf, to_png, to_svg
from labels.symbols import symbol_drawing


@click.group(help="Nhãn và mã vạch / Labels and barcodes.")
def labels() -> None:
    pass


@labels.command(help="Vẽ một mã vạch / Render one barcode symbol.")
@click.option(
    "--symbol",
    "symbol",
    type=click.Choice([kind.value for kind in SymbolKind]),
    required=True,
    help="ean13, qr (GS1 Digital Link), gs1-datamatrix, gs1-qr, gs1-128.",
)
@click.option(
    "--data",
    required=True,
    help="GTIN-13, Digital Link URI, or element string such as (01)…(10)….",
)
@click.option(
    "--size-mm",
    type=float,
    default=None,
    help="Side of a 2D symbol incl. quiet zone; bar height of GS1-128.",
)
@click.option("--magnification", type=float, default=100.0, show_default=True, help="EAN-13, %.")
@click.option("--x-mm", type=float, default=None, help="GS1-128 module width (mm).")
@click.option("--dpi", type=int, default=300, show_default=True, help="PNG resolution.")
@click.option("--format", "fmt", type=click.Choice(["svg", "png", "pdf"]), required=True)
@click.option(
    "--encoder",
    type=click.Choice(["zint", "pure"]),
    default=None,
    help="Default: zint if installed.",
)
@click.option(
    "--compressed",
    is_flag=True,
    help="QR: the Digital Link compressed (GS1 Digital Link 1.1 §8), a shorter URI.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def render(
    symbol: str,
    data: str,
    size_mm: float | None,
    magnification: float,
    x_mm: float | None,
    dpi: int,
    fmt: str,
    encoder: str | None,
    compressed: bool,
    output: Path,
) -> None:
    if compressed and symbol != SymbolKind.QR.value:
        raise click.UsageError("--compressed chỉ dùng với --symbol qr / only with --symbol qr.")
    try:
        if compressed:
            data = compressed_content(data)
            click.echo(data)
        drawing = symbol_drawing(
            SymbolKind(symbol),
            data,
            size_mm=size_mm,
            magnification=magnification,
            x_mm=x_mm,
            encoder="zint" if encoder == "zint" else "pure" if encoder == "pure" else None,
        )
    except LabelError as error:
        raise click.ClickException(str(error)) from error
    if fmt == "svg":
        output.write_text(to_svg(drawing), encoding="utf-8")
    elif fmt == "png":
        output.write_bytes(to_png(drawing, dpi=dpi))
    else:
        output.write_bytes(to_pdf(drawing))
    for warning in drawing.warnings:
        click.echo(f"Cảnh báo / Warning: {warning.message_vi} / {warning.message_en}", err=True)
    click.echo(f"{output} ({drawing.width:.2f} x {drawing.height:.2f} mm)")
