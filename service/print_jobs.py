"""Print runs: turning a recorded run into its PDF in the background, fairly.

One worker thread renders every run of the process, a slice at a time (about
TRUYXUAT_PRINT_SLICE_LABELS labels, whole pages). Enterprises with runs waiting take
turns: the worker renders one slice of the oldest run of the enterprise at the head of
the rotation, then sends that enterprise to the back. So a 10-label run of one
enterprise waits for one slice of another's 40,000-label run, never for all of it;
one enterprise's own runs print in the order they were recorded. Slices of large runs
are split over worker processes, one per core. Progress is written to the run's row
after each slice in a short transaction, so any page or API call can show it. Runs left
pending or half-rendered by a stopped server are started again by `resume_unfinished`;
with several server processes on one database, the run's claim
(registry/print_runs/claims.py) lets exactly one of them render it.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from labels.errors import LabelError
from labels.export_layout import ExportMarks, MarkLine
from labels.layout import LabelData, label_drawing
from labels.output import PARALLEL_MIN_LABELS, PrintFormat, SlicedPdf
from labels.sheets import SheetLayout
from registry.db import unit_of_work, utcnow
from registry.enterprises.policy import Deed, StatusRefused, ensure_allows
from registry.errors import InvalidInput
from registry.lots.models import Lot
from registry.print_runs import content
from registry.print_runs.claims import claim_run, new_claimant, renew_claim
from registry.print_runs.content import LabelContent, lot_label, with_serial
from registry.print_runs.export_content import ExportContent
from registry.print_runs.models import LabelRun, RunStatus, RunTemplate
from registry.print_runs.serials import SERIAL_LENGTH
from service.observability import LABEL_JOBS
from service.workers import forkserver_context

log = logging.getLogger("truyxuat.labels")


def drawable(label: LabelContent) -> LabelData:
    """What the print-run domain says a label says, for labels/ to draw."""
    return LabelData(
        digital_link=label.digital_link,
        product_name=label.product_name,
        producer_name=label.producer_name,
        lot=label.lot,
        produced_on=label.produced_on,
        expires_on=label.expires_on,
        expiry_kind=label.expiry_kind,
        ocop_stars=label.ocop_stars,
        serial=label.serial,
        export=_marks(label.export) if label.export else None,
    )


def _marks(export: ExportContent) -> ExportMarks:
    lines = tuple(MarkLine(text, bold) for text, bold in export.lines)
    return ExportMarks(export.market, lines, export.element_string)


def checked_layout(
    session: Session,
    lot: Lot,
    layout: str,
    *,
    serialized: bool,
    base_url: str,
    template: RunTemplate = RunTemplate.product,
) -> SheetLayout:
    """The layout, once a label of the lot has been drawn on it (with a serial of full
    length if the run has serials): a size that cannot carry a scannable label is refused
    before a run is accepted, not after it has started; so is an export label the lot may
    not carry (the export guard) or its font cannot print."""
    try:
        sheet = SheetLayout.parse(layout)
        sample = lot_label(session, lot, base_url=base_url, template=template)
        if serialized:
            sample = with_serial(base_url, sample, lot, "0" * SERIAL_LENGTH)
        label_drawing(drawable(sample), sheet.label)
    except LabelError as error:
        field = "layout" if error.field in (None, "layout", "size", "size_mm") else "template"
        raise InvalidInput(error.message_vi, error.message_en, field=field) from error
    return sheet


def run_labels(session: Session, run: LabelRun, *, base_url: str) -> Iterator[LabelData]:
    """Every label of a run, in print order, ready to draw (see `content.run_labels`)."""
    return map(drawable, content.run_labels(session, run, base_url=base_url))


def output_path(data_dir: Path, run: LabelRun, fmt: PrintFormat = "pdf") -> Path:
    suffix = {"pdf": "pdf", "svg-zip": "svg.zip", "png-zip": "png.zip"}[fmt]
    return data_dir / "label-runs" / f"run-{run.id}.{suffix}"


def status_refusal(run: LabelRun) -> StatusRefused | None:
    """A run queued before its enterprise was suspended is not rendered after."""
    try:
        ensure_allows(run.lot.product.enterprise, Deed.print_labels)
    except StatusRefused as refusal:
        return refusal
    return None


def _stop_voided(run: LabelRun) -> None:
    # Voided runs leave the queue: they are not counted in the quota, so they must not
    # keep the worker busy either.
    run.status = RunStatus.failed
    run.error = "Đợt in đã bị hủy trước khi in xong. / The run was voided before it was printed."


@dataclass
class _Rendering:
    """A run between two of its slices: its open output and the labels still to draw."""

    run_id: int
    count: int
    labels: Iterator[LabelData]
    target: Path
    file: BinaryIO
    pdf: SlicedPdf
    done: int = 0

    @property
    def partial(self) -> Path:
        return self.target.with_suffix(".part")


class PrintJobs:
    """The print queue of one server process (see the module docstring for the turns)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        base_url: str,
        data_dir: Path,
        read_sessions: sessionmaker[Session] | None = None,
        inline: bool = False,
        slice_labels: int = 500,
    ):
        # inline: no thread; `wait` renders in the calling thread (tests that share one
        # connection between the app and the test).
        self._inline = inline
        self._sessions = sessions
        self._read_sessions = read_sessions or sessions
        self._base_url = base_url
        self._data_dir = data_dir
        self._slice_labels = max(1, slice_labels)
        self._queues: dict[int, deque[int]] = {}
        self._turns: deque[int] = deque()
        self._rendering: dict[int, _Rendering] = {}
        self._finished: dict[int, threading.Event] = {}
        self._failures: dict[int, Exception] = {}
        self._changed = threading.Condition()
        self._stopping = False
        self._worker: threading.Thread | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._claimant = new_claimant()

    def start(self, run_id: int) -> None:
        """Queue a recorded run behind its own enterprise's earlier runs."""
        with unit_of_work(self._read_sessions) as session:
            enterprise_id = session.scalar(
                select(LabelRun.enterprise_id).where(LabelRun.id == run_id)
            )
        if enterprise_id is None:
            return
        with self._changed:
            if run_id in self._finished and not self._finished[run_id].is_set():
                return
            self._finished[run_id] = threading.Event()
            if enterprise_id not in self._queues:
                self._queues[enterprise_id] = deque()
                self._turns.append(enterprise_id)
            self._queues[enterprise_id].append(run_id)
            self._changed.notify()
            if not self._inline and self._worker is None:
                self._worker = threading.Thread(target=self._work, name="print-queue", daemon=True)
                self._worker.start()

    def queued(self) -> list[int]:
        """Run ids waiting or rendering, in the order their next slices would be drawn."""
        with self._changed:
            return [run for enterprise in self._turns for run in self._queues[enterprise]]

    def wait(self, run_id: int, timeout: float | None = None) -> Exception | None:
        """Until the run has finished; what it failed with, if it did. Inline, by rendering
        the queue (every enterprise's turns) in the calling thread."""
        finished = self._finished.get(run_id)
        if finished is not None and self._inline:
            while not finished.is_set() and self._take_turn():
                pass
        elif finished is not None:
            finished.wait(timeout)
        return self._failures.get(run_id)

    def _work(self) -> None:
        while True:
            with self._changed:
                while not self._turns and not self._stopping:
                    self._changed.wait()
                if self._stopping:
                    return
            self._take_turn()

    def _take_turn(self) -> bool:
        """Render one slice of the next enterprise's oldest run; False when nothing waits."""
        with self._changed:
            if not self._turns:
                return False
            enterprise_id = self._turns[0]
            run_id = self._queues[enterprise_id][0]
        finished = self._render_slice(run_id)
        with self._changed:
            self._turns.rotate(-1)
            if finished:
                queue = self._queues[enterprise_id]
                queue.popleft()
                if not queue:
                    del self._queues[enterprise_id]
                    self._turns.remove(enterprise_id)
                self._finished.pop(run_id).set()
        return True

    def _render_slice(self, run_id: int) -> bool:
        """Draw the next slice of a run; True once the run is done, failed or gone."""
        rendering = self._rendering.get(run_id)
        try:
            if rendering is None:
                rendering = self._begin(run_id)
                if rendering is None:
                    return True
            labels = list(
                itertools.islice(rendering.labels, rendering.pdf.slice_size(self._slice_labels))
            )
            pool = self._process_pool() if rendering.count >= PARALLEL_MIN_LABELS else None
            rendering.pdf.add(labels, pool=pool, workers=os.cpu_count() or 1)
            rendering.done += len(labels)
            if rendering.done < rendering.count and labels:
                with unit_of_work(self._sessions) as session:
                    run = session.get_one(LabelRun, run_id)
                    if run.voided_at is not None:
                        _stop_voided(run)
                    elif renew_claim(run, claimant=self._claimant):
                        run.progress = rendering.done
                        return False
                    # else another queue took the run over (our claim had gone stale).
                self._discard(rendering)
                return True
            self._finish(rendering)
        except Exception as exc:
            self._fail(run_id, exc)
        return True

    def _begin(self, run_id: int) -> _Rendering | None:
        with unit_of_work(self._sessions) as session:
            if not claim_run(session, run_id=run_id, claimant=self._claimant):
                return None  # done, failed, gone, or another process renders it
            run = session.get_one(LabelRun, run_id)
            if run.voided_at is not None:
                _stop_voided(run)
                return None
            refusal = status_refusal(run)
            run.status = RunStatus.failed if refusal else RunStatus.rendering
            run.progress = 0
            run.error = f"{refusal.message_vi} / {refusal.message_en}" if refusal else None
        if refusal:
            LABEL_JOBS.labels("failed").inc()
            log.info("print run %s refused: %s", run_id, refusal.message_en)
            self._failures[run_id] = refusal
            return None
        with unit_of_work(self._read_sessions) as session:
            run = session.get_one(LabelRun, run_id)
            labels = run_labels(session, run, base_url=self._base_url)
            target = output_path(self._data_dir, run)
            count, layout = run.count, run.layout
        target.parent.mkdir(parents=True, exist_ok=True)
        file = target.with_suffix(".part").open("wb")
        rendering = _Rendering(run_id, count, labels, target, file, SlicedPdf(file, layout=layout))
        self._rendering[run_id] = rendering
        return rendering

    def _finish(self, rendering: _Rendering) -> None:
        if rendering.done != rendering.count:
            raise RuntimeError(f"{rendering.done} labels drawn, {rendering.count} expected")
        del self._rendering[rendering.run_id]
        rendering.pdf.close()
        rendering.file.close()
        rendering.partial.replace(rendering.target)
        with unit_of_work(self._sessions) as session:
            done = session.get_one(LabelRun, rendering.run_id)
            done.status = RunStatus.done
            done.progress = done.count
            done.output_path = str(rendering.target)
            done.finished_at = utcnow()
        LABEL_JOBS.labels("done").inc()

    def _discard(self, rendering: _Rendering) -> None:
        self._rendering.pop(rendering.run_id, None)
        rendering.file.close()
        rendering.partial.unlink(missing_ok=True)

    def _fail(self, run_id: int, exc: Exception) -> None:
        self._failures[run_id] = exc
        LABEL_JOBS.labels("failed").inc()
        log.exception("print run %s failed", run_id, exc_info=exc)
        rendering = self._rendering.get(run_id)
        if rendering is not None:
            self._discard(rendering)
        try:
            with unit_of_work(self._sessions) as session:
                failed = session.get_one(LabelRun, run_id)
                failed.status = RunStatus.failed
                failed.error = str(exc)[:2000]
        except Exception:  # the database is down too: the run resumes on the next start
            log.exception("print run %s: its failure could not be recorded", run_id)

    def _process_pool(self) -> ProcessPoolExecutor | None:
        if self._inline or (os.cpu_count() or 1) < 2:
            return None
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=os.cpu_count(), mp_context=forkserver_context()
            )
        return self._pool

    def resume_unfinished(self) -> list[int]:
        with unit_of_work(self._read_sessions) as session:
            ids = list(
                session.scalars(
                    select(LabelRun.id)
                    .where(
                        LabelRun.status.in_([RunStatus.pending, RunStatus.rendering]),
                        LabelRun.voided_at.is_(None),
                    )
                    .order_by(LabelRun.id)
                )
            )
        for run_id in ids:
            self.start(run_id)
        return ids

    def shutdown(self) -> None:
        """Finish the slice being drawn and stop; unfinished runs start again on the next start."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._worker is not None:
            self._worker.join()
        for rendering in list(self._rendering.values()):
            self._discard(rendering)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
