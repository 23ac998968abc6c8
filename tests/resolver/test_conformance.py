"""The checks of GS1's resolver test suite (GS1DL-resolver-testsuite), as pytest.

Each test names the suite's check id it ports. Requests go to the real app.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator

from registry.links.models import AnchorLevel, ResolverLink
from tests.resolver.conftest import BASE, World
from tests.testdata import load_json

LINKSET_TYPE = "application/linkset+json"
GS1_NAMESPACES = ("https://ref.gs1.org/voc/", "https://gs1.org/voc/", "https://www.gs1.org/voc/")


def linkset_schema() -> Draft7Validator:
    schema = load_json("linkset", "gs1-linkset-schema.json")
    return Draft7Validator(schema)


def as_curies(linkset: dict) -> dict:
    """The suite reduces every GS1 namespace to `gs1:` before it looks at link types."""
    text = json.dumps(linkset)
    for namespace in GS1_NAMESPACES:
        text = text.replace(namespace, "gs1:")
    return json.loads(text)


def strip_query(url: str) -> str:
    return url.split("?", 1)[0]


def strip_link_type(location: str, link_type: str) -> str:
    """What the suite compares with the link's href (testSingleLinkObject)."""
    if f"?linkType={link_type}" in location:
        return strip_query(location)
    if f"&linkType={link_type}" in location:
        return location[: location.index("&linkType=")]
    return location


def get_linkset(client: TestClient, path: str) -> dict:
    response = client.get(path, headers={"accept": LINKSET_TYPE})
    assert response.status_code == 200
    return response.json()


def test_report_with_400_and_no_error_with_200(client: TestClient, world: World) -> None:
    # reportWith400 / noErrorWith200: the suite appends /foo to a valid DL URI.
    response = client.get(world.path(lot=world.lot) + "/foo", follow_redirects=False)
    assert response.status_code == 400
    body = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert body["status"] == 400 and body["message_vi"] and body["message_en"]


def test_specific_link_type_not_found(client: TestClient, world: World) -> None:
    # specificLinkTypeNotFound: unknown type, and a real GS1 type with no link here.
    for link_type in ("gs1:nosuchlt", "gs1:dpp", "https://ref.gs1.org/voc/nutritionalInfo"):
        response = client.get(world.path(), params={"linkType": link_type}, follow_redirects=False)
        assert response.status_code == 404, link_type
        assert response.json()["message_en"]


@pytest.mark.parametrize("level", ["product", "lot", "serial"])
def test_default_link_exists_single_and_is_the_target(
    client: TestClient, world: World, level: str
) -> None:
    # defaultLinkExists, singleDefaultLink, defaultTarget.
    path = {
        "product": world.path(),
        "lot": world.path(lot=world.lot),
        "serial": world.path(lot=world.lot, serial=world.serials[1]),
    }[level]
    linkset = as_curies(get_linkset(client, path))
    (context,) = [c for c in linkset["linkset"] if c["anchor"] == BASE + path]
    defaults = context["gs1:defaultLink"]
    assert len(defaults) == 1
    assert set(defaults[0]) == {"href", "title"}
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == defaults[0]["href"]


def test_every_link_type_redirects_to_its_link(client: TestClient, world: World) -> None:
    # loFor<linkType> (testSingleLinkObject / testMultipleLinks), in all three spellings.
    path = world.path(lot=world.lot)
    context = as_curies(get_linkset(client, path))["linkset"][0]
    link_types = [key for key in context if key.startswith("gs1:") and key != "gs1:defaultLink"]
    assert {
        "gs1:pip",
        "gs1:traceability",
        "gs1:certificationInfo",
        "gs1:recallStatus",
        "gs1:verificationService",
        "gs1:epcis",
    } <= set(link_types)
    for link_type in link_types:
        for link in context[link_type]:
            lang = (link.get("hreflang") or ["vi"])[0]
            for spelling in (
                link_type,
                link_type.replace("gs1:", "https://ref.gs1.org/voc/"),
                link_type.replace("gs1:", "https://gs1.org/voc/"),
            ):
                query = f"?linkType={quote(spelling, safe=':/')}"
                response = client.get(
                    path + query, headers={"accept-language": lang}, follow_redirects=False
                )
                assert response.status_code == 307, (link_type, spelling)
                location = strip_link_type(response.headers["location"], quote(spelling, safe=":/"))
                assert location == link["href"], (spelling, lang)


def test_link_type_linkset_and_all_do_not_redirect(client: TestClient, world: World) -> None:
    # ltLinksetNoRedirect (and the deprecated linkType=all).
    path = world.path(lot=world.lot)
    by_param = client.get(path + "?linkType=linkset", follow_redirects=False)
    by_all = client.get(path + "?linkType=all", follow_redirects=False)
    assert by_param.status_code == by_all.status_code == 200
    assert by_param.json() == by_all.json()


def test_linkset_by_accept_header(client: TestClient, world: World) -> None:
    # ltAcceptHeader, declaredContentType, linksetJsonldCheck.
    response = client.get(world.path(), headers={"accept": LINKSET_TYPE}, follow_redirects=False)
    assert response.status_code == 200
    assert response.headers["content-type"] == LINKSET_TYPE
    link = response.headers["link"]
    assert 'rel="http://www.w3.org/ns/json-ld#context"' in link
    assert 'type="application/ld+json"' in link


@pytest.mark.parametrize("level", ["product", "lot", "serial", "unknown-lot"])
def test_valid_linkset(client: TestClient, world: World, level: str) -> None:
    # validLinkset: against GS1's published schema, which does reject a bad linkset.
    validator = linkset_schema()
    bad = load_json("linkset", "invalid-gs1-example.json")
    assert not validator.is_valid(bad)
    path = {
        "product": world.path(),
        "lot": world.path(lot=world.lot),
        "serial": world.path(lot=world.lot, serial=world.serials[0]),
        "unknown-lot": world.path() + "/10/NOSUCHLOT",
    }[level]
    linkset = get_linkset(client, path)
    errors = [error.message for error in validator.iter_errors(linkset)]
    assert errors == []


def test_basic_walk_up(client: TestClient, world: World, db_session) -> None:
    # basicWalkUp: an unknown lot or serial of a known GTIN uses the product's links.
    db_session.add(
        ResolverLink(
            enterprise_id=world.enterprise.id,
            anchor=world.path(),
            level=AnchorLevel.product,
            link_type="gs1:relatedVideo",
            href="https://xoai.example.vn/video.mp4",
            title="Video",
            language="vi",
            media_type="video/mp4",
        )
    )
    db_session.flush()
    for path in (world.path() + "/10/NOSUCHLOT", world.path(lot=world.lot) + "/21/NOSUCHSERIAL1"):
        response = client.get(path + "?linkType=gs1:relatedVideo", follow_redirects=False)
        assert response.status_code == 307, path
        location = strip_link_type(response.headers["location"], "gs1:relatedVideo")
        assert location == "https://xoai.example.vn/video.mp4"
    # The walk-up finds links; the verdict for a serial never issued stays honest.
    forged = world.path(lot=world.lot, serial=world.never_issued_serial)
    page = client.get(forged, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "không do hệ thống cấp" in page.text


def test_query_string_passed_on(client: TestClient, world: World) -> None:
    # qsPassedOn.
    response = client.get(world.path(lot=world.lot) + "?foo=bar", follow_redirects=False)
    assert response.status_code == 307
    assert "foo=bar" in response.headers["location"]
    response = client.get(
        world.path() + "?17=301231&foo=bar&linkType=gs1:certificationInfo", follow_redirects=False
    )
    location = response.headers["location"]
    assert location.endswith("?view=certificates&17=301231&foo=bar&linkType=gs1:certificationInfo")


def test_resolver_description_file(client: TestClient) -> None:
    # rdFile.
    response = client.get("/.well-known/gs1resolver", headers={"accept": "application/json"})
    assert response.status_code == 200
    data = response.json()
    assert data["resolverRoot"] == BASE
    assert set(data["supportedPrimaryKeys"]) == {"01", "414"}
    assert data["name"] and data["contact"]
    assert data["linkTypeDefaultCanBeLinkset"] is False
    assert data["jsonLdContextLocation"] == "https://ref.gs1.org/standards/resolver/linkset-context"
    assert any(t["namespace"] == "https://ref.gs1.org/voc/" for t in data["supportedLinkType"])
    assert response.headers["access-control-allow-origin"] == "*"


def test_cors_and_methods(client: TestClient, world: World, recorder) -> None:
    # corsCheck and methodsCheck, plus a real CORS preflight.
    path = world.path(lot=world.lot)
    response = client.get(path, follow_redirects=False)
    assert response.headers["access-control-allow-origin"] == "*"
    methods = response.headers["access-control-allow-methods"]
    assert all(m in methods for m in ("GET", "HEAD", "OPTIONS"))
    preflight = client.options(
        path,
        headers={
            "origin": "https://app.example.org",
            "access-control-request-method": "GET",
            "access-control-request-headers": "accept-language",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "accept-language" in preflight.headers["access-control-allow-headers"].lower()
    before = recorder.pending_count()
    head = client.head(path, follow_redirects=False)
    assert head.status_code == 307 and head.content == b""
    assert head.headers["location"] == response.headers["location"]
    assert recorder.pending_count() == before  # a HEAD is not a scan


@pytest.mark.parametrize("case", ["product", "lot", "serial", "unknown", "bad", "linkset"])
def test_trailing_slash(client: TestClient, world: World, case: str) -> None:
    # trailingSlash: same status and Location with or without the slash.
    path = {
        "product": world.path(),
        "lot": world.path(lot=world.lot),
        "serial": world.path(lot=world.lot, serial=world.serials[2]),
        "unknown": f"/01/{world.unregistered_gtin}",
        "bad": f"/01/{world.product.gtin[:-1]}9/10/ABC",
        "linkset": world.path(),
    }[case]
    query = "?linkType=linkset" if case == "linkset" else ""
    plain = client.get(path + query, follow_redirects=False)
    slashed = client.get(path + "/" + query, follow_redirects=False)
    assert plain.status_code == slashed.status_code
    assert plain.headers.get("location") == slashed.headers.get("location")
    if case == "linkset":
        assert plain.json() == slashed.json()


def test_link_on_redirect(client: TestClient, world: World) -> None:
    # linkOnRedirect and legacyLinkHeaders.
    response = client.get(world.path(lot=world.lot), follow_redirects=False)
    link = response.headers["link"]
    assert 'rel="linkset"' in link and LINKSET_TYPE in link
    assert 'rel="gs1:' not in link
    target = link[link.index("<") + 1 : link.index(">")]
    followed = client.get(target.removeprefix(BASE))
    assert followed.status_code == 200
    assert followed.headers["content-type"] == LINKSET_TYPE


def test_accept_language_chooses_among_links(client: TestClient, world: World) -> None:
    path = world.path() + "?linkType=gs1:pip"
    english = client.get(
        path, headers={"accept-language": "en-GB,en;q=0.9"}, follow_redirects=False
    )
    vietnamese = client.get(
        path, headers={"accept-language": "vi-VN,vi;q=0.9,en;q=0.5"}, follow_redirects=False
    )
    assert "lang=en" in english.headers["location"]
    assert "lang=en" not in vietnamese.headers["location"]
    asked = client.get(path + "&lang=en", headers={"accept-language": "vi"}, follow_redirects=False)
    assert "lang=en" in asked.headers["location"]


def test_gtin13_redirects_to_the_14_digit_uri(client: TestClient, world: World) -> None:
    gtin13 = world.product.gtin[1:]
    response = client.get(f"/01/{gtin13}/10/{world.lot.code}?17=301231", follow_redirects=False)
    assert response.status_code in (301, 308)
    assert response.headers["location"] == f"{BASE}{world.path(lot=world.lot)}?17=301231"


def test_the_page_sends_a_short_gtin_to_its_14_digit_page(client: TestClient, world: World) -> None:
    gtin13 = world.product.gtin[1:]
    page = f"/p/01/{gtin13}/10/{world.lot.code}?17=301231&lang=en"
    response = client.get(page, follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == f"{BASE}/p{world.path(lot=world.lot)}?17=301231&lang=en"


def test_unknown_keys_answer_404(client: TestClient, world: World, db_session) -> None:
    from registry.gs1 import gs1_check_digit

    sscc = "389360000000000001"[:17]
    sscc += gs1_check_digit(sscc)
    assert client.get(f"/00/{sscc}", follow_redirects=False).status_code == 404
    assert client.get(f"/01/{world.unregistered_gtin}", follow_redirects=False).status_code == 404
    gln_body = "893999900001"
    assert client.get(f"/414/{gln_body}{gs1_check_digit(gln_body)}").status_code == 404
    response = client.get(f"/414/{world.origin.gln}", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == f"{BASE}/p/414/{world.origin.gln}"
    page = client.get(response.headers["location"].removeprefix(BASE))
    assert page.status_code == 200 and world.origin.name in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/01/09506000134352/10/A%00B",
        "/01/09506000134352/10/%C3%28",
        "/01/09506000134352/10/%FF%FE",
        "/01/09506000134352%2F10%2FABC",
        "/01/09506000134352//10/ABC",
        "/01/09506000134352/10/" + "A" * 5000,
        "/01/" + "9" * 3000,
        "/01/09506000134352/10/ABC?17=%00",
        "/01/09506000134352/10/%",
        "/01/09506000134352/10/%zz",
        "/01/%F0%9F%98%80",
        "/01/09506000134352/10/LÔ1",
    ],
)
def test_odd_encodings_are_400_never_500(client: TestClient, path: str) -> None:
    for accept in ("application/json", "text/html"):
        response = client.get(path, headers={"accept": accept}, follow_redirects=False)
        assert response.status_code == 400, (path, response.status_code)


def test_slash_inside_a_value_stays_in_the_value(client: TestClient, world: World) -> None:
    # %2F is part of the lot (CSET 82 allows "/"): a valid, unknown lot, so walk-up.
    response = client.get(world.path() + "/10/A%2FB", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"].endswith("/10/A%2FB")


def test_syntax_error_page_for_browsers(client: TestClient) -> None:
    html = {"accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
    response = client.get("/01/09506000134353", headers=html)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "Mã không hợp lệ" in response.text
    # Plain words only: the right check digit (2) would help whoever forges labels.
    assert "chữ số kiểm tra" not in response.text and "AI (01)" not in response.text
    english = client.get("/01/09506000134353", headers={**html, "accept-language": "en"})
    assert "Invalid code" in english.text and "check digit" not in english.text
    assert "09506000134352" not in response.text + english.text


@pytest.mark.parametrize(
    "query",
    ["?=1", "?linkType=all&=x", "?422=999", "?426=000", "?423=704999", "?424=XX", "?7030=998ABC"],
)
def test_what_gs1s_syntax_engine_refuses_in_the_query_is_400(
    client: TestClient, world: World, query: str
) -> None:
    """Nameless parameters and country codes that ISO 3166 does not have (issue 19)."""
    response = client.get(world.path() + query, follow_redirects=False)
    assert response.status_code == 400, (query, response.status_code)


@pytest.mark.parametrize("query", ["?422=704", "?426=250", "?423=704250", "?7030=999ABC"])
def test_countries_iso_3166_has_are_accepted(client: TestClient, world: World, query: str) -> None:
    response = client.get(world.path() + query, follow_redirects=False)
    assert response.status_code == 307, (query, response.status_code)


def test_a_compressed_digital_link_is_sent_to_its_uncompressed_form(client: TestClient) -> None:
    """GS1 Digital Link 1.1 §8 (the issue's /ARBAdeagkA); other parameters are kept."""
    response = client.get("/ARBAdeagkA?foo=bar", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == BASE + "/01/08934521000008?foo=bar"
    assert response.headers["access-control-allow-origin"] == "*"
    head = client.head("/ARBAdeagkA", follow_redirects=False)
    assert head.status_code == 307


@pytest.mark.parametrize("path", ["/ARBAdeagkg", "/_________"])
def test_a_corrupt_compressed_link_is_400(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"accept": "application/json"}, follow_redirects=False)
    assert response.status_code == 400
    assert response.json()["message_vi"]
