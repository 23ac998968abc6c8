"""What GET /epcis answers: the interface, its resources and where they are documented."""

from __future__ import annotations

from typing import Any, Final

from registry.events.documents import collection

# The top-level resources of EPCIS 2.0 §12.5 that this interface serves, each with
# the events filed under one of its values.
_TOP_LEVEL: Final = ("eventTypes", "bizSteps", "dispositions", "bizLocations", "readPoints")
# Every top-level resource of the REST binding (openapi.yaml TopLevelResources): the
# Collection a client of the binding reads at the root.
TOP_LEVEL_RESOURCES: Final = ("queries", "capture", "events", "epcs", *_TOP_LEVEL)


def _link(href: str, vi: str, en: str, method: str = "GET") -> dict[str, str]:
    return {"href": href, "method": method, "title_vi": vi, "title_en": en}


def interface_description(versions: dict[str, str]) -> dict[str, Any]:
    return {
        **collection(TOP_LEVEL_RESOURCES),
        "name": "truyxuat EPCIS 2.0",
        "epcisVersion": versions["GS1-EPCIS-Version"],
        "cbvVersion": versions["GS1-CBV-Version"],
        "description_vi": (
            "Giao diện EPCIS 2.0 (REST, JSON-LD): ghi nhận và truy vấn sự kiện truy xuất"
            " nguồn gốc. Gửi khóa API trong tiêu đề Authorization: Bearer <khóa>."
        ),
        "description_en": (
            "EPCIS 2.0 interface (REST, JSON-LD): capture and query traceability events."
            " Send an API key in the header Authorization: Bearer <key>."
        ),
        "links": {
            "capture": _link(
                "/epcis/capture", "Gửi một tài liệu EPCIS", "Capture an EPCIS document", "POST"
            ),
            "captureJobs": _link(
                "/epcis/capture", "Các lượt ghi nhận của bạn", "Your capture jobs"
            ),
            "captureJob": _link(
                "/epcis/capture/{captureID}", "Trạng thái lượt ghi nhận", "Capture job status"
            ),
            "events": _link(
                "/epcis/events",
                "Truy vấn sự kiện (tham số EPCIS)",
                "Query events (EPCIS parameters)",
            ),
            "event": _link("/epcis/events/{eventID}", "Một sự kiện", "One event"),
            "queries": [
                _link(f"/epcis/{name}", f"Danh sách {name}", f"List of {name}")
                for name in ("epcs", *_TOP_LEVEL)
            ]
            + [
                _link("/epcis/epcs/{epc}/events", "Sự kiện của một EPC", "Events of one EPC"),
            ],
            "openapi": _link("/api/openapi.json", "Tài liệu OpenAPI 3.1", "OpenAPI 3.1 document"),
            "documentation": _link("/api/docs", "Tài liệu API", "API documentation"),
        },
    }
