"""Serialized print runs through the API: render, decode, verify, void, bad input."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.enterprises.policy import StatusRefused
from registry.enterprises.service import suspend_enterprise
from registry.gs1 import parse_digital_link
from registry.print_runs import serials
from registry.print_runs.models import LabelRun, RunStatus
from registry.print_runs.service import SerialStatus, check_serial, create_run, iter_run_serials
from registry.settings import Settings
from service.app import create_app
from tests.app_under_test import app_state_on
from tests.factories import api_headers, make_enterprise, make_lot, make_product


def _decode_pdf(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    texts = []
    for page in document:
        image = page.render(scale=300 / 72).to_pil()
        texts += [r.text for r in zxingcpp.read_barcodes(image) if r.format.name == "QRCode"]
    return texts


def test_a_serialized_run_prints_labels_that_verify(
    app: FastAPI, client: TestClient, db_session: Session
) -> None:
    enterprise = make_enterprise(db_session)
    lot = make_lot(db_session, product=make_product(db_session, enterprise=enterprise))
    headers = api_headers(db_session, enterprise=enterprise)
    created = client.post(
        "/api/v1/label-runs",
        headers=headers,
        json={"lot_id": lot.id, "count": 24, "layout": "a4-3x7"},
    )
    assert created.status_code == 202, created.text
    run_id = created.json()["id"]
    assert app.state.truyxuat.print_jobs.wait(run_id, timeout=120) is None
    status = client.get(f"/api/v1/label-runs/{run_id}", headers=headers).json()
    assert status["status"] == "done" and status["progress"] == 24

    pdf = client.get(f"/api/v1/label-runs/{run_id}/output.pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    links = _decode_pdf(pdf.content)
    assert len(links) == 24
    decoded_serials = []
    for uri in links:
        link = parse_digital_link(uri)
        assert link.primary == ("01", lot.product.gtin)
        qualifiers = dict(link.qualifiers)
        assert qualifiers["10"] == lot.code
        decoded_serials.append(qualifiers["21"])
    assert len(set(decoded_serials)) == 24
    for serial in decoded_serials:
        assert check_serial(db_session, lot=lot, serial=serial).status is SerialStatus.issued

    run = db_session.get_one(LabelRun, run_id)
    assert sorted(iter_run_serials(run)) == sorted(decoded_serials), "reprints repeat serials"
    uris = client.get(f"/api/v1/label-runs/{run_id}/uris.csv", headers=headers).text
    listed = list(csv.DictReader(io.StringIO(uris)))
    assert sorted(row["serial"] for row in listed) == sorted(decoded_serials)
    assert {row["digital_link"] for row in listed} == set(links)

    made_up = decoded_serials[0][:-1] + ("A" if decoded_serials[0][-1] != "A" else "B")
    assert check_serial(db_session, lot=lot, serial=made_up).status is SerialStatus.never_issued
    voided = client.post(
        f"/api/v1/label-runs/{run_id}/void", headers=headers, json={"reason": "Tem in lỗi"}
    )
    assert voided.status_code == 200
    db_session.expire_all()
    assert check_serial(db_session, lot=lot, serial=decoded_serials[0]).status is SerialStatus.void


def test_runs_of_one_lot_never_share_serials(
    client: TestClient, db_session: Session, app: FastAPI
) -> None:
    enterprise = make_enterprise(db_session)
    lot = make_lot(db_session, product=make_product(db_session, enterprise=enterprise))
    headers = api_headers(db_session, enterprise=enterprise)
    ids = []
    for _ in range(2):
        answer = client.post(
            "/api/v1/label-runs",
            headers=headers,
            json={"lot_id": lot.id, "count": 5, "layout": "roll-50x30"},
        )
        ids.append(answer.json()["id"])
        assert app.state.truyxuat.print_jobs.wait(ids[-1], timeout=60) is None
    first, second = (set(iter_run_serials(db_session.get_one(LabelRun, i))) for i in ids)
    assert len(first) == len(second) == 5 and not first & second


def test_a_hundred_thousand_serials_are_distinct_and_well_formed() -> None:
    key = b"k" * 32
    made = list(
        serials.serials(key, gtin="08934521000008", lot="XHL-1", first_index=0, count=100_000)
    )
    assert len(set(made)) == 100_000
    assert all(len(s) == serials.SERIAL_LENGTH <= 20 for s in made)
    assert all(set(s) <= set(serials.ALPHABET) for s in made)
    assert serials.is_authentic(key, gtin="08934521000008", lot="XHL-1", serial=made[777])
    assert not serials.is_authentic(b"x" * 32, gtin="08934521000008", lot="XHL-1", serial=made[777])


def test_bad_requests_record_no_run(client: TestClient, db_session: Session) -> None:
    mine, theirs = make_enterprise(db_session), make_enterprise(db_session)
    my_lot = make_lot(db_session, product=make_product(db_session, enterprise=mine))
    their_lot = make_lot(db_session, product=make_product(db_session, enterprise=theirs))
    headers = api_headers(db_session, enterprise=mine)
    before = db_session.scalar(select(func.count()).select_from(LabelRun))
    cases = [
        ({"lot_id": their_lot.id, "count": 3}, 404),
        ({"lot_id": 99_999_999, "count": 3}, 404),
        ({"lot_id": my_lot.id, "count": 0}, 422),
        ({"lot_id": my_lot.id, "count": 3, "layout": "a4-99"}, 422),
    ]
    for body, status in cases:
        answer = client.post("/api/v1/label-runs", headers=headers, json=body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["message_vi"] and answer.json()["message_en"]
    assert db_session.scalar(select(func.count()).select_from(LabelRun)) == before


def test_preview_svg_and_png(client: TestClient, db_session: Session) -> None:
    enterprise = make_enterprise(db_session)
    lot = make_lot(
        db_session, product=make_product(db_session, enterprise=enterprise, name_vi="Vú sữa Lò Rèn")
    )
    headers = api_headers(db_session, enterprise=enterprise)
    svg = client.get("/api/v1/labels/preview", params={"lot_id": lot.id}, headers=headers)
    assert svg.status_code == 200 and "Vú sữa Lò Rèn" in svg.text
    png = client.get(
        "/api/v1/labels/preview",
        params={"lot_id": lot.id, "format": "png", "size": "70x50"},
        headers=headers,
    )
    from PIL import Image

    image = Image.open(io.BytesIO(png.content))
    results = zxingcpp.read_barcodes(image)
    assert any(r.text.endswith(f"/10/{lot.code}?17={lot.expiry_on:%y%m%d}") for r in results)


def test_a_print_run_that_cannot_render_is_failed_visibly(
    settings: Settings,
    connection: Connection,
    engine: Engine,
    db_session: Session,
    tmp_path: Path,
) -> None:
    # The data folder is a file: the output cannot be written.
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    broken = settings.model_copy(update={"data_dir": blocked})
    app = create_app(broken, state=app_state_on(broken, connection, engine))
    enterprise = make_enterprise(db_session)
    lot = make_lot(db_session, product=make_product(db_session, enterprise=enterprise))
    headers = api_headers(db_session, enterprise=enterprise)
    with TestClient(app, base_url="https://truyxuat.dongthap.gov.vn") as client:
        failed_before = _failed_jobs(client)
        created = client.post(
            "/api/v1/label-runs",
            headers=headers,
            json={"lot_id": lot.id, "count": 3, "layout": "a4-3x7"},
        )
        assert created.status_code == 202, created.text
        run_id = created.json()["id"]
        error = app.state.truyxuat.print_jobs.wait(run_id)
        assert isinstance(error, OSError), error
        status = client.get(f"/api/v1/label-runs/{run_id}", headers=headers).json()
        assert _failed_jobs(client) == failed_before + 1
    assert status["status"] == "failed"
    assert "not-a-folder" in status["error"]


def _failed_jobs(client: TestClient) -> float:
    metrics = client.get("/metrics").text
    found = re.search(r'^truyxuat_label_jobs_total\{outcome="failed"\} (\S+)$', metrics, re.M)
    return float(found.group(1)) if found else 0.0


def test_a_run_queued_before_a_suspension_is_not_rendered(
    app: FastAPI, client: TestClient, db_session: Session
) -> None:
    enterprise = make_enterprise(db_session)
    lot = make_lot(db_session, product=make_product(db_session, enterprise=enterprise))
    run = create_run(db_session, actor=SYSTEM, lot=lot, count=3, serialized=True, layout="a4-3x7")
    suspend_enterprise(db_session, actor=SYSTEM, enterprise=enterprise, reason="Tem giả mạo")
    db_session.flush()

    jobs = app.state.truyxuat.print_jobs
    jobs.start(run.id)
    assert isinstance(jobs.wait(run.id, timeout=60), StatusRefused)
    db_session.expire_all()
    failed = db_session.get_one(LabelRun, run.id)
    assert failed.status is RunStatus.failed and failed.output_path is None
    assert failed.error is not None
    assert "bị đình chỉ" in failed.error and "Tem giả mạo" in failed.error
    headers = api_headers(db_session, enterprise=enterprise)
    assert client.get(f"/api/v1/label-runs/{run.id}/output.pdf", headers=headers).status_code == 409
    # And no new run is accepted for it, whoever asks.
    with pytest.raises(StatusRefused):
        create_run(db_session, actor=SYSTEM, lot=lot, count=1, serialized=False, layout="a4-3x7")
