"""Print runs: turning a recorded run into its PDF (or ZIP/CSV) in the background.

One job renders at a time in a worker thread (large PDFs use every core through
worker processes inside `labels.output`). Progress is written to the run's row
in short transactions, so any page or API call can show it. Runs left pending or
half-rendered by a stopped server are started again by `resume_unfinished`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from labels.errors import LabelError
from labels.layout import LabelData, label_drawing
from labels.output import PrintFormat, write_print_run
from labels.sheets import SheetLayout
from registry.certificates.models import CertificateKind
from registry.certificates.service import certificates_for_product
from registry.db import unit_of_work, utcnow
from registry.enterprises.policy import Deed, StatusRefused, ensure_allows
from registry.errors import InvalidInput
from registry.gs1 import build_digital_link
from registry.labels.models import LabelRun, RunStatus
from registry.labels.serials import SERIAL_LENGTH
from registry.labels.service import iter_run_serials
from registry.lots.models import Lot
from service.observability import LABEL_JOBS

log = logging.getLogger("truyxuat.labels")
PROGRESS_EVERY = 500


def run_digital_link(base_url: str, lot: Lot, serial: str | None = None) -> str:
    elements = [("01", lot.product.gtin), ("10", lot.code)]
    if serial is not None:
        elements.append(("21", serial))
    if lot.expiry_on is not None:
        elements.append(("17", lot.expiry_on.strftime("%y%m%d")))
    return build_digital_link(base_url, elements)


def label_template(session: Session, lot: Lot, *, base_url: str) -> LabelData:
    """The label of a lot without a serial: what every label of a run shares."""
    product = lot.product
    today = dt.date.today()
    ocop = [
        c.stars
        for c in certificates_for_product(session, product=product, on=today)
        if c.kind is CertificateKind.ocop and c.stars
    ]
    return LabelData(
        digital_link=run_digital_link(base_url, lot),
        product_name=product.name_vi,
        producer_name=product.enterprise.display_name,
        lot=lot.code,
        produced_on=lot.production_on,
        expires_on=lot.expiry_on or lot.best_before_on,
        expiry_kind="expiry" if lot.expiry_on or not lot.best_before_on else "best_before",
        ocop_stars=max(ocop) if ocop else None,
    )


def checked_layout(
    session: Session, lot: Lot, layout: str, *, serialized: bool, base_url: str
) -> SheetLayout:
    """The layout, once a label of the lot has been drawn on it (with a serial of full
    length if the run has serials): a size that cannot carry a scannable label is refused
    before a run is accepted, not after it has started."""
    try:
        sheet = SheetLayout.parse(layout)
        sample = label_template(session, lot, base_url=base_url)
        if serialized:
            serial = "0" * SERIAL_LENGTH
            link = run_digital_link(base_url, lot, serial)
            sample = replace(sample, digital_link=link, serial=serial)
        label_drawing(sample, sheet.label)
    except LabelError as error:
        raise InvalidInput(error.message_vi, error.message_en, field="layout") from error
    return sheet


def run_labels(session: Session, run: LabelRun, *, base_url: str) -> Iterator[LabelData]:
    """Every label of a run, in print order, generated lazily (runs can be 100,000 long)."""
    template = label_template(session, run.lot, base_url=base_url)
    if not run.serialized:
        for _ in range(run.count):
            yield template
        return
    for serial in iter_run_serials(run):
        yield replace(
            template,
            digital_link=run_digital_link(base_url, run.lot, serial),
            serial=serial,
        )


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


def render_run(
    sessions: sessionmaker[Session],
    run_id: int,
    *,
    base_url: str,
    data_dir: Path,
    read_sessions: sessionmaker[Session] | None = None,
) -> Path:
    """Render a run's PDF to disk, recording progress; returns the file written.

    The labels are read in a read-only transaction: on SQLite a writing one would
    hold the write lock for the whole render and block the progress updates."""
    with unit_of_work(sessions) as session:
        run = session.get_one(LabelRun, run_id)
        refusal = status_refusal(run)
        run.status = RunStatus.failed if refusal else RunStatus.rendering
        run.progress = 0
        run.error = f"{refusal.message_vi} / {refusal.message_en}" if refusal else None
    if refusal:
        raise refusal
    target = output_path(data_dir, run)
    partial = target.with_suffix(".part")

    def progress(done: int) -> None:
        if done % PROGRESS_EVERY and done != run.count:
            return
        with unit_of_work(sessions) as progress_session:
            progress_session.get_one(LabelRun, run_id).progress = done

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with unit_of_work(read_sessions or sessions) as session, partial.open("wb") as out:
            run = session.get_one(LabelRun, run_id)
            write_print_run(
                run_labels(session, run, base_url=base_url),
                fmt="pdf",
                layout=run.layout,
                out=out,
                expected_count=run.count,
                progress=progress,
            )
        partial.replace(target)
    except Exception as exc:
        with unit_of_work(sessions) as session:
            failed = session.get_one(LabelRun, run_id)
            failed.status = RunStatus.failed
            failed.error = str(exc)[:2000]
        if partial.exists():  # False, not an error, when its folder cannot be made
            partial.unlink()
        raise
    with unit_of_work(sessions) as session:
        done = session.get_one(LabelRun, run_id)
        done.status = RunStatus.done
        done.progress = done.count
        done.output_path = str(target)
        done.finished_at = utcnow()
    return target


class PrintJobs:
    """A single background worker that renders print runs one after another."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        base_url: str,
        data_dir: Path,
        read_sessions: sessionmaker[Session] | None = None,
        inline: bool = False,
    ):
        self._inline = inline
        self._sessions = sessions
        self._read_sessions = read_sessions
        self._base_url = base_url
        self._data_dir = data_dir
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="print-run")
        self._futures: dict[int, Future[Path]] = {}
        self._lock = threading.Lock()

    def start(self, run_id: int) -> None:
        if self._inline:
            # Tests share one connection between the app and the test: render right here,
            # keeping the outcome (a failure too) as the background worker's future would.
            future: Future[Path] = Future()
            try:
                future.set_result(self._render(run_id))
            except Exception as exc:
                future.set_exception(exc)
            self._futures[run_id] = future
            return
        with self._lock:
            if run_id in self._futures and not self._futures[run_id].done():
                return
            self._futures[run_id] = self._executor.submit(self._render, run_id)

    def _render(self, run_id: int) -> Path:
        try:
            path = render_run(
                self._sessions,
                run_id,
                base_url=self._base_url,
                data_dir=self._data_dir,
                read_sessions=self._read_sessions,
            )
        except Exception:
            LABEL_JOBS.labels("failed").inc()
            log.exception("print run %s failed", run_id)
            raise
        LABEL_JOBS.labels("done").inc()
        return path

    def wait(self, run_id: int, timeout: float | None = None) -> BaseException | None:
        """Wait for the run's job to end; what it failed with, if it did."""
        future = self._futures.get(run_id)
        return None if future is None else future.exception(timeout=timeout)

    def resume_unfinished(self) -> list[int]:
        with unit_of_work(self._sessions) as session:
            ids = list(
                session.scalars(
                    select(LabelRun.id).where(
                        LabelRun.status.in_([RunStatus.pending, RunStatus.rendering]),
                        LabelRun.voided_at.is_(None),
                    )
                )
            )
        for run_id in ids:
            self.start(run_id)
        return ids

    def shutdown(self) -> None:
        """Let the running job finish (so nothing is half-written); queued ones resume later."""
        self._executor.shutdown(wait=True, cancel_futures=True)
