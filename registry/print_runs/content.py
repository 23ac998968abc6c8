"""What a print run's labels say: the Digital Link of each label and the text beside it.
Plain values: drawing them is labels/'s work (service/print_jobs.py hands them over)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Literal

from sqlalchemy.orm import Session

from registry.certificates.models import CertificateKind
from registry.certificates.service import certificates_for_product
from registry.gs1 import build_digital_link
from registry.lots.models import Lot
from registry.print_runs.export_content import ExportContent, export_content
from registry.print_runs.models import LabelRun, RunTemplate
from registry.print_runs.service import iter_run_serials


@dataclass(frozen=True, slots=True)
class LabelContent:
    digital_link: str
    product_name: str
    producer_name: str
    lot: str
    produced_on: dt.date | None
    expires_on: dt.date | None
    expiry_kind: Literal["expiry", "best_before"]
    ocop_stars: int | None
    serial: str | None = None
    export: ExportContent | None = None


def run_digital_link(base_url: str, lot: Lot, serial: str | None = None) -> str:
    return _digital_link(base_url, lot.product.gtin, lot.code, lot.expiry_on, serial)


def _digital_link(
    base_url: str, gtin: str, lot_code: str, expiry_on: dt.date | None, serial: str | None
) -> str:
    elements = [("01", gtin), ("10", lot_code)]
    if serial is not None:
        elements.append(("21", serial))
    if expiry_on is not None:
        elements.append(("17", expiry_on.strftime("%y%m%d")))
    return build_digital_link(base_url, elements)


def lot_label(
    session: Session, lot: Lot, *, base_url: str, template: RunTemplate = RunTemplate.product
) -> LabelContent:
    """The label of a lot without a serial: what every label of a run shares. An export
    label is refused (InvalidInput or the export guard's refusal) for a lot that may not
    carry one."""
    product = lot.product
    today = dt.date.today()
    ocop = [
        c.stars
        for c in certificates_for_product(session, product=product, on=today)
        if c.kind is CertificateKind.ocop and c.stars
    ]
    return LabelContent(
        digital_link=run_digital_link(base_url, lot),
        product_name=product.name_vi,
        producer_name=product.enterprise.display_name,
        lot=lot.code,
        produced_on=lot.production_on,
        expires_on=lot.expiry_on or lot.best_before_on,
        expiry_kind="expiry" if lot.expiry_on or not lot.best_before_on else "best_before",
        ocop_stars=max(ocop) if ocop else None,
        export=export_content(session, lot) if template is RunTemplate.export else None,
    )


def with_serial(base_url: str, label: LabelContent, lot: Lot, serial: str) -> LabelContent:
    return replace(label, digital_link=run_digital_link(base_url, lot, serial), serial=serial)


def run_labels(session: Session, run: LabelRun, *, base_url: str) -> Iterator[LabelContent]:
    """Every label of a run, in print order, made lazily (runs can be 100,000 long).

    Everything is read from the database before this returns, so the labels can be made
    after the session has closed."""
    shared = lot_label(session, run.lot, base_url=base_url, template=run.template)
    if not run.serialized:
        return (shared for _ in range(run.count))
    lot = run.lot
    gtin, code, expiry_on = lot.product.gtin, lot.code, lot.expiry_on
    return (
        replace(
            shared,
            digital_link=_digital_link(base_url, gtin, code, expiry_on, serial),
            serial=serial,
        )
        for serial in iter_run_serials(run)
    )
