"""The consignment pages: the form (messages by the field, what was typed kept, nothing
stored), the consignment and its dossier downloads, no one else's, and the agency's list
with the dossier links (both databases)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from registry.accounts.models import Role
from tests.consignments.chain import CONTAINER, build_export_chain, counts
from tests.factories import make_enterprise, make_user
from tests.portal.conftest import Browser, Member


def _form(chain_lot_id: int, packhouse_id: int, **changes: str) -> dict[str, str]:
    form = {
        "location_id": str(packhouse_id),
        "market": "CN",
        "lot_id_1": str(chain_lot_id),
        "quantity_1": "18.000",
        "unit_1": "KGM",
        "importer_name": "Guangxi Pingxiang Fruit Trading Co.",
        "importer_country": "CN",
        "certificate_number": "KDTV-2026/0815",
        "additional_declarations": "Free from Thrips palmi.",
        "treatment_kind": "irradiation",
        "dose_gy": "400",
        "lab_lab_1": "Trung tâm Kỹ thuật TĐC 4",
        "lab_report_number_1": "KQ-2026-3311",
        "lab_analyte_1": "Cadimi (Cd)",
        "lab_result_1": "0,01 mg/kg",
        "lab_passed_1": "pass",
        "container_number": CONTAINER,
        "seal_numbers": "VN778812, VN778813",
        "departed_on": dt.date.today().isoformat(),
        "port_of_loading": "Cát Lái (VNCLI)",
        "port_of_discharge": "Nansha (CNNSA)",
    }
    form.update(changes)
    return form


def test_record_a_consignment_and_download_its_dossier(
    db_session: Session, browser: Browser, member: Member
) -> None:
    chain = build_export_chain(db_session, enterprise=member.enterprise)
    db_session.flush()
    new = browser.client.get("/portal/consignments/new")
    assert new.status_code == 200 and 'name="container_number"' in new.text
    before = counts(db_session)
    for changes, field in (
        ({"container_number": "CSQU3054384"}, "container_number"),
        ({"dose_gy": ""}, "dose_gy"),
        ({"quantity_1": ""}, "quantity_1"),
        ({"importer_country": "ZZ"}, "importer_country"),
        ({"certificate_number": "K" * 65}, "certificate_number"),
        ({"port_of_loading": "Cát\x07Lái"}, "port_of_loading"),
        ({"lab_passed_1": ""}, "lab_passed_1"),
    ):
        refused = browser.post(
            "/portal/consignments/new", _form(chain.export_lot.id, chain.packhouse.id, **changes)
        )
        assert refused.status_code == 400, field
        assert f'id="f-{field}-error"' in refused.text, (field, refused.text[-3000:])
        assert 'value="Guangxi Pingxiang Fruit Trading Co."' in refused.text, field
        assert counts(db_session) == before, field
    english = browser.post(
        "/portal/consignments/new?lang=en",
        _form(chain.export_lot.id, chain.packhouse.id, container_number="CSQU3054384"),
    )
    assert "fails its ISO 6346 check digit" in english.text

    recorded = browser.post(
        "/portal/consignments/new", _form(chain.export_lot.id, chain.packhouse.id)
    )
    assert recorded.status_code == 303, recorded.text
    location = recorded.headers["location"]
    shown = browser.client.get(f"{location}?lang=vi").text
    for expected in (
        CONTAINER,
        "KDTV-2026/0815",
        "Chiếu xạ, 400 Gy",
        "Guangxi Pingxiang",
        "SR-CN-0815",
    ):
        assert expected in shown, expected
    assert location in browser.client.get("/portal/consignments").text
    pdf = browser.client.get(f"{location}/dossier.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    epcis = browser.client.get(f"{location}/dossier.jsonld")
    assert [e["bizStep"] for e in epcis.json()["epcisBody"]["eventList"]] == [
        "commissioning", "packing", "shipping",
    ]  # fmt: skip

    browser.client.cookies.clear()
    browser.sign_in(make_user(db_session, enterprise=make_enterprise(db_session)).email)
    for path in ("", "/dossier.pdf", "/dossier.jsonld"):
        assert browser.client.get(f"{location}{path}").status_code == 404, path
    assert browser.client.get("/agency/consignments").status_code == 403

    browser.client.cookies.clear()
    browser.sign_in(make_user(db_session, role=Role.agency).email)
    listed = browser.client.get("/agency/consignments")
    assert listed.status_code == 200 and CONTAINER in listed.text
    consignment_id = location.rsplit("/", 1)[-1]
    link = f"/api/v1/consignments/{consignment_id}/dossier.pdf"
    assert f'href="{link}"' in listed.text
    officer_pdf = browser.client.get(link)
    assert officer_pdf.status_code == 200 and officer_pdf.content.startswith(b"%PDF")
