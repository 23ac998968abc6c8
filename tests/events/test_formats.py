"""GS1-EPC-Format and GS1-CBV-XML-Format (EPCIS 2.0 REST binding): how GS1 keys and CBV
values are spelt in query answers, on both databases."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from registry.events.epc_urn import epc_urn
from registry.events.identifiers import parse_key
from registry.events.xml.schemas import safe_parser
from tests.testdata import data_path

EPCIS_DATA = data_path("epcis")
EXAMPLE = EPCIS_DATA / "examples-xml" / "Example_9.6.1-ObjectEvent-2020_06_18a.xml"


def _official_epc_urns() -> list[str]:
    found: set[str] = set()
    for path in EPCIS_DATA.rglob("*"):
        if path.suffix in (".xml", ".jsonld", ".json"):
            text = path.read_text(encoding="utf-8")
            found |= set(re.findall(r"urn:epc:(?:id|class|idpat):[a-z]+:[^\s\"<>]+", text))
    return sorted(found)


def test_epc_urns_of_the_official_examples_come_back_as_they_were() -> None:
    """Every key converts back losslessly; where the example's company prefix has the
    length GS1's prefix list gives, the URI is the very one the example wrote (GS1's
    examples also use made-up prefixes of other lengths)."""
    same = 0
    for uri in _official_epc_urns():
        key = parse_key(uri)
        if key is None:
            continue
        back = epc_urn(key)
        if back is None:
            continue
        assert parse_key(back) == key, (uri, back)
        same += back == uri
    assert same >= 75


@pytest.fixture
def captured(client: TestClient, agency_headers: dict[str, str]) -> None:
    response = client.post(
        "/epcis/capture",
        content=EXAMPLE.read_bytes(),
        headers={**agency_headers, "Content-Type": "application/xml"},
    )
    assert response.status_code == 202


def _epcs(client: TestClient, headers: dict[str, str]) -> tuple[set[str], dict[str, str]]:
    answer = client.get("/epcis/events", headers=headers)
    assert answer.status_code == 200, answer.text
    events = answer.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    epcs = {epc for event in events for epc in event.get("epcList", [])}
    epcs |= {event["readPoint"]["id"] for event in events}
    return epcs, dict(answer.headers)


@pytest.mark.usefixtures("captured")
def test_always_epc_urn_gives_the_urns_the_document_was_captured_with(
    client: TestClient, agency_headers: dict[str, str]
) -> None:
    epcs, headers = _epcs(client, {**agency_headers, "GS1-EPC-Format": "Always_EPC_URN"})
    assert {
        "urn:epc:id:sgtin:0614141.107346.2017",
        "urn:epc:id:sgtin:0614141.107346.2018",
        "urn:epc:id:sgln:0614141.07346.1234",
        "urn:epc:id:sgln:0012345.11111.400",
    } <= epcs
    assert headers["gs1-epc-format"] == "Always_EPC_URN"
    default, headers = _epcs(client, agency_headers)
    assert all(epc.startswith("https://id.gs1.org/") for epc in default)
    assert headers["gs1-epc-format"] == "Always_GS1_Digital_Link"
    # Keys are stored in Digital Link form: that is what "never translate" can give.
    kept, headers = _epcs(client, {**agency_headers, "GS1-EPC-Format": "Never_Translates"})
    assert kept == default and headers["gs1-epc-format"] == "Always_GS1_Digital_Link"


@pytest.mark.usefixtures("captured")
def test_a_single_event_in_epc_urns(client: TestClient, agency_headers: dict[str, str]) -> None:
    answer = client.get("/epcis/events", headers=agency_headers).json()
    event_id = answer["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]["eventID"]
    single = client.get(
        "/epcis/events/" + quote(event_id, safe=""),
        headers={**agency_headers, "GS1-EPC-Format": "Always_EPC_URN"},
    )
    assert single.status_code == 200
    assert all(epc.startswith("urn:epc:id:sgtin:") for epc in single.json()["epcList"])


@pytest.mark.usefixtures("captured")
@pytest.mark.parametrize(
    ("asked", "spelling"),
    [
        (None, "https://ref.gs1.org/cbv/BizStep-"),
        ("Always_Web_URI", "https://ref.gs1.org/cbv/BizStep-"),
        ("Always_URN", "urn:epcglobal:cbv:bizstep:"),
        ("Never_Translates", "https://ref.gs1.org/cbv/BizStep-"),
    ],
)
def test_cbv_values_in_xml_are_spelt_as_asked(
    client: TestClient, agency_headers: dict[str, str], asked: str | None, spelling: str
) -> None:
    headers = {**agency_headers, "Accept": "application/xml"}
    if asked:
        headers["GS1-CBV-XML-Format"] = asked
    answer = client.get("/epcis/events", headers=headers)
    assert answer.status_code == 200
    root = etree.fromstring(answer.content, safe_parser())
    steps = [element.text for element in root.iter("bizStep")]
    assert steps and all(step and step.startswith(spelling) for step in steps)
    dispositions = [element.text or "" for element in root.iter("disposition")]
    if asked == "Always_URN":
        assert all(d.startswith("urn:epcglobal:cbv:disp:") for d in dispositions)


@pytest.mark.parametrize(
    ("header", "value"), [("GS1-EPC-Format", "Sometimes"), ("GS1-CBV-XML-Format", "Always_Bare")]
)
def test_an_unknown_format_is_a_query_parameter_exception_naming_the_header(
    client: TestClient, agency_headers: dict[str, str], header: str, value: str
) -> None:
    answer = client.get("/epcis/events", headers={**agency_headers, header: value})
    assert answer.status_code == 400
    problem = answer.json()
    assert problem["type"] == "epcisException:QueryParameterException"
    assert header in problem["detail"] and problem["errors"][0]["field"] == header
