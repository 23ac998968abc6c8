"""Print-run outputs: one valid streamed PDF, parallel or not; ZIP of SVG/PNG; URI CSV."""

from __future__ import annotations

import dataclasses
import io
import multiprocessing
import zipfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from typing import Any

import pytest

from labels.errors import LabelError
from labels.layout import LabelData
from labels.output import SlicedPdf, render_pdf, render_pdf_parallel, render_zip
from labels.sheets import SheetLayout

SERIALS = [f"S{n:05d}Q" for n in range(30)]


def _run(count: int) -> Iterator[LabelData]:
    base = LabelData(
        digital_link="",
        product_name="Bưởi da xanh Bến Tre",
        producer_name="HTX Thạnh Phú",
        lot="B2025",
        produced_on=date(2025, 6, 1),
        ocop_stars=3,
    )
    for serial in SERIALS[:count]:
        uri = f"https://truyxuat.dongthap.gov.vn/01/08934560865699/10/B2025/21/{serial}"
        yield dataclasses.replace(base, digital_link=uri, serial=serial)


@pytest.mark.parametrize("render", [render_pdf, render_pdf_parallel])
def test_streamed_pdf_is_one_valid_document_with_every_label(render: Any, tools: Any) -> None:
    out = io.BytesIO()
    progress: list[int] = []
    sheet = SheetLayout.parse("a4-3x7")
    # chunk_pages=1 forces several chunks to be joined into one file.
    summary = render(_run(25), layout=sheet, out=out, progress=progress.append, chunk_pages=1)
    pdf = out.getvalue()
    assert (summary.labels, summary.pages, tools.pdf_page_count(pdf)) == (25, 2, 2)
    assert progress == [21, 25]
    first = {r.text for r in tools.decode(tools.rasterise_pdf(pdf, page=0))}
    second = {r.text for r in tools.decode(tools.rasterise_pdf(pdf, page=1))}
    expected = {label.digital_link for label in _run(25)}
    assert len(first) == 21 and first | second == expected


def test_a_pdf_written_in_slices_over_worker_processes_keeps_every_label_in_order(
    tools: Any,
) -> None:
    """Slices of whole pages (what the print queue draws, taking turns), split over two
    worker processes and joined in order: the same document as drawn at once."""
    labels = list(_run(30))
    out = io.BytesIO()
    pdf = SlicedPdf(out, layout="a4-2x3")  # 6 labels a page
    assert pdf.slice_size(10) == 12 and pdf.slice_size(1) == 6
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        for start in range(0, 30, 12):
            pdf.add(labels[start : start + 12], pool=pool, workers=2)
    summary = pdf.close()
    document = out.getvalue()
    assert (summary.labels, summary.pages, tools.pdf_page_count(document)) == (30, 5, 5)
    for page in range(5):
        found = {r.text for r in tools.decode(tools.rasterise_pdf(document, page=page))}
        assert found == {label.digital_link for label in labels[page * 6 : page * 6 + 6]}


def test_roll_output_has_one_label_per_page_at_label_size(tools: Any) -> None:
    out = io.BytesIO()
    render_pdf(_run(3), layout="roll-50x30", out=out)
    image = tools.rasterise_pdf(out.getvalue(), page=2, dpi=300)
    width, height = image.size
    assert width == pytest.approx(50 / 25.4 * 300, abs=1) and height == pytest.approx(
        30 / 25.4 * 300, abs=1
    )
    (result,) = tools.decode(image)
    assert result.text.endswith(SERIALS[2])


def test_sheet_layout_names() -> None:
    sheet = SheetLayout.parse("a4-3x7", margin_mm=0, gap_mm=0)
    assert (sheet.columns, sheet.rows, sheet.label.width) == (3, 7, 70)
    assert sheet.slot_top_left(4) == (70, pytest.approx(297 / 7))
    assert SheetLayout.parse("roll-40x25").per_page == 1
    with pytest.raises(LabelError):
        SheetLayout.parse("letter-2x5")


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_zip_holds_one_decodable_file_per_label(fmt: str, tools: Any) -> None:
    out = io.BytesIO()
    render_zip(_run(3), size="50x30", fmt=fmt, out=out)  # type: ignore[arg-type]
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert names == [f"label-{n:06d}.{fmt}" for n in (1, 2, 3)]
        data = archive.read(names[1])
    if fmt == "png":
        (result,) = tools.decode_png(data)
        assert result.text.endswith(SERIALS[1])
    else:
        assert data.startswith(b"<?xml") and "Bưởi da xanh".encode() in data
