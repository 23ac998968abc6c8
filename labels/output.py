"""Print-run outputs: one streamed PDF (single or two processes), a ZIP of SVG/PNG, a URI CSV.

Memory stays bounded for any run length: labels are consumed as an iterator and
rendered in chunks of pages, each chunk a small PDF joined into the output as soon
as it is done. Within a chunk the static part of a label (name, dates, EAN-13, …)
is drawn once as a PDF form and reused; only the QR and the serial are drawn per label.
"""

from __future__ import annotations

import io
import itertools
import multiprocessing
import os
import zipfile
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import BinaryIO, Literal

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from labels.encoding import EncoderName
from labels.layout import LabelData, LabelSize, label_drawing, static_drawing, variable_drawing
from labels.pdf_concat import PdfConcatenator
from labels.render import draw_on_canvas, to_png, to_svg
from labels.shapes import LabelWarning
from labels.sheets import SheetLayout

DEFAULT_CHUNK_PAGES = 40
_STATIC_FORMS_PER_CHUNK = 32
_form_numbers = itertools.count()
ProgressCallback = Callable[[int], None]


@dataclass
class RenderSummary:
    labels: int = 0
    pages: int = 0
    warnings: list[LabelWarning] = field(default_factory=list)

    def add_warnings(self, warnings: Iterable[LabelWarning]) -> None:
        for warning in warnings:
            if warning not in self.warnings:
                self.warnings.append(warning)


def _as_layout(layout: str | SheetLayout) -> SheetLayout:
    return layout if isinstance(layout, SheetLayout) else SheetLayout.parse(layout)


def render_pdf(
    labels: Iterable[LabelData],
    *,
    layout: str | SheetLayout,
    out: BinaryIO,
    progress: ProgressCallback | None = None,
    encoder: EncoderName | None = None,
    chunk_pages: int = DEFAULT_CHUNK_PAGES,
) -> RenderSummary:
    """Render every label into one PDF written to `out`, in one process."""
    sheet = _as_layout(layout)
    summary = RenderSummary()
    joined = PdfConcatenator(out)
    for chunk in _chunks(labels, sheet.per_page * chunk_pages):
        pdf, warnings = render_chunk(chunk, sheet, encoder)
        joined.append(pdf)
        summary.labels += len(chunk)
        summary.add_warnings(warnings)
        if progress:
            progress(summary.labels)
    joined.close()
    summary.pages = joined.page_count
    return summary


def render_pdf_parallel(
    labels: Iterable[LabelData],
    *,
    layout: str | SheetLayout,
    out: BinaryIO,
    progress: ProgressCallback | None = None,
    encoder: EncoderName | None = None,
    workers: int | None = None,
    chunk_pages: int = DEFAULT_CHUNK_PAGES,
) -> RenderSummary:
    """Like `render_pdf`, with chunks rendered in worker processes and joined in order.

    At most two chunks per worker are in flight, so memory stays bounded.
    """
    sheet = _as_layout(layout)
    worker_count = workers or os.cpu_count() or 1
    summary = RenderSummary()
    joined = PdfConcatenator(out)
    pending: deque[tuple[int, Future[tuple[bytes, list[LabelWarning]]]]] = deque()

    def finish_oldest() -> None:
        count, future = pending.popleft()
        pdf, warnings = future.result()
        joined.append(pdf)
        summary.labels += count
        summary.add_warnings(warnings)
        if progress:
            progress(summary.labels)

    # forkserver, not fork: the caller may be a threaded web server, and a forked
    # child would inherit its locks and database connections.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=worker_count, mp_context=context) as pool:
        for chunk in _chunks(labels, sheet.per_page * chunk_pages):
            pending.append((len(chunk), pool.submit(render_chunk, chunk, sheet, encoder)))
            if len(pending) >= 2 * worker_count:
                finish_oldest()
        while pending:
            finish_oldest()
    joined.close()
    summary.pages = joined.page_count
    return summary


class SlicedPdf:
    """One PDF written a slice of labels at a time, so that several print runs can take turns
    on the same workers. Every slice but the last must fill whole pages (`slice_size`)."""

    def __init__(
        self, out: BinaryIO, *, layout: str | SheetLayout, encoder: EncoderName | None = None
    ) -> None:
        self.sheet = _as_layout(layout)
        self.summary = RenderSummary()
        self._joined = PdfConcatenator(out)
        self._encoder = encoder

    def slice_size(self, labels: int) -> int:
        """About `labels` labels, rounded to whole pages (at least one)."""
        per_page = self.sheet.per_page
        return max(1, round(labels / per_page)) * per_page

    def add(
        self, labels: list[LabelData], *, pool: Executor | None = None, workers: int = 1
    ) -> None:
        """Draw the labels onto the next pages; with a pool, split over `workers` processes."""
        per_page = self.sheet.per_page
        pages = -(-len(labels) // per_page)
        piece = per_page * min(DEFAULT_CHUNK_PAGES, -(-pages // max(1, workers)))
        pieces = [labels[i : i + piece] for i in range(0, len(labels), piece)]
        draw = partial(render_chunk, sheet=self.sheet, encoder=self._encoder)
        for pdf, warnings in pool.map(draw, pieces) if pool else map(draw, pieces):
            self._joined.append(pdf)
            self.summary.add_warnings(warnings)
        self.summary.labels += len(labels)

    def close(self) -> RenderSummary:
        self._joined.close()
        self.summary.pages = self._joined.page_count
        return self.summary


def _chunks(labels: Iterable[LabelData], size: int) -> Iterator[list[LabelData]]:
    iterator = iter(labels)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def render_chunk(
    labels: list[LabelData], sheet: SheetLayout, encoder: EncoderName | None
) -> tuple[bytes, list[LabelWarning]]:
    """One self-contained PDF for a few pages of labels (run in a worker by the parallel path)."""
    buffer = io.BytesIO()
    use_a85 = rl_config.useA85
    rl_config.useA85 = 0  # binary streams: ASCII85 would make every page 25 % larger
    try:
        canvas = Canvas(
            buffer,
            pagesize=(sheet.page_width * mm, sheet.page_height * mm),
            pageCompression=1,
            invariant=1,
        )
        warnings = _draw_labels(canvas, labels, sheet, encoder)
        canvas.save()
    finally:
        rl_config.useA85 = use_a85
    return buffer.getvalue(), warnings


def _draw_labels(
    canvas: Canvas, labels: list[LabelData], sheet: SheetLayout, encoder: EncoderName | None
) -> list[LabelWarning]:
    forms: OrderedDict[LabelData, str] = OrderedDict()
    warnings: list[LabelWarning] = []
    size = sheet.label
    for index, label in enumerate(labels):
        slot = index % sheet.per_page
        if slot == 0 and index:
            canvas.showPage()
        left, top = sheet.slot_top_left(slot)
        x, y = left * mm, (sheet.page_height - top - size.height) * mm
        form = _static_form(canvas, forms, label, size, encoder)
        canvas.saveState()
        canvas.translate(x, y)
        canvas.doForm(form)
        canvas.restoreState()
        variable = variable_drawing(label, size, encoder=encoder)
        draw_on_canvas(canvas, variable, x=x, y=y)
        for warning in variable.warnings:
            if warning not in warnings:
                warnings.append(warning)
    canvas.showPage()
    return warnings


def _static_form(
    canvas: Canvas,
    forms: OrderedDict[LabelData, str],
    label: LabelData,
    size: LabelSize,
    encoder: EncoderName | None,
) -> str:
    key = label.static_key()
    if key in forms:
        forms.move_to_end(key)
        return forms[key]
    name = f"static{next(_form_numbers)}"
    canvas.beginForm(name, 0, 0, size.width * mm, size.height * mm)
    draw_on_canvas(canvas, static_drawing(label, size, encoder=encoder), x=0, y=0)
    canvas.endForm()
    forms[key] = name
    if len(forms) > _STATIC_FORMS_PER_CHUNK:
        forms.popitem(last=False)
    return name


def render_zip(
    labels: Iterable[LabelData],
    *,
    size: LabelSize | str,
    fmt: Literal["svg", "png"] = "svg",
    out: BinaryIO,
    dpi: float = 300,
    encoder: EncoderName | None = None,
    progress: ProgressCallback | None = None,
) -> RenderSummary:
    """One file per label (label-000001.svg, …), written into a ZIP as they are drawn."""
    label_size = size if isinstance(size, LabelSize) else LabelSize.parse(size)
    summary = RenderSummary()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, label in enumerate(labels, start=1):
            drawing = label_drawing(label, label_size, encoder=encoder)
            summary.add_warnings(drawing.warnings)
            if fmt == "svg":
                archive.writestr(f"label-{index:06d}.svg", to_svg(drawing))
            else:
                # PNG is already deflated; storing it again compressed only costs time.
                archive.writestr(
                    zipfile.ZipInfo(f"label-{index:06d}.png"), to_png(drawing, dpi=dpi),
                    compress_type=zipfile.ZIP_STORED,
                )  # fmt: skip
            summary.labels = index
            if progress:
                progress(index)
    return summary


PrintFormat = Literal["pdf", "svg-zip", "png-zip"]
# Below this many labels a second process costs more (start-up, font embedding) than it saves.
PARALLEL_MIN_LABELS = 3000


def write_print_run(
    labels: Iterable[LabelData],
    *,
    fmt: PrintFormat,
    layout: str | SheetLayout,
    out: BinaryIO,
    expected_count: int | None = None,
    progress: ProgressCallback | None = None,
    encoder: EncoderName | None = None,
) -> RenderSummary:
    """What `truyxuat labels print` calls: the run's labels in the chosen output format.

    PDF runs of at least PARALLEL_MIN_LABELS labels use every core.
    """
    sheet = _as_layout(layout)
    if fmt in ("svg-zip", "png-zip"):
        return render_zip(
            labels, size=sheet.label, fmt="svg" if fmt == "svg-zip" else "png", out=out,
            encoder=encoder, progress=progress,
        )  # fmt: skip
    parallel = (os.cpu_count() or 1) > 1 and (expected_count or 0) >= PARALLEL_MIN_LABELS
    render = render_pdf_parallel if parallel else render_pdf
    return render(labels, layout=sheet, out=out, progress=progress, encoder=encoder)
