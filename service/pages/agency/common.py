"""What every agency page shares: filters in the URL, number formats, CSRF, sorting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Form
from markupsafe import Markup, escape
from starlette.requests import Request

from registry.enterprises.models import EnterpriseKind
from registry.errors import Forbidden, InvalidInput
from registry.stats.indicators import Filters
from registry.stats.periods import Period
from registry.stats.rollups import REPORTING_ZONE
from registry.stats.tables import KIND_LABELS, VERDICT_LABELS, Table
from service.auth import csrf_valid
from service.i18n import request_language

FILTER_PARAMS = ("period", "ward", "sector", "kind", "lang")
VALUE_LABELS: dict[str, tuple[str, str]] = {
    **KIND_LABELS,
    **VERDICT_LABELS,
    "new": ("Mới", "New"),
    "in_progress": ("Đang xử lý", "In progress"),
    "resolved": ("Đã giải quyết", "Resolved"),
    "dismissed": ("Bỏ qua", "Dismissed"),
    "counterfeit": ("Nghi hàng giả", "Suspected counterfeit"),
    "wrong_information": ("Thông tin sai", "Wrong information"),
    "quality": ("Chất lượng", "Quality"),
    "other": ("Khác", "Other"),
    "active": ("Đang lưu hành", "Active"),
    "pending": ("Chờ xác minh", "Awaiting verification"),
    "verified": ("Đã xác minh", "Verified"),
    "rejected": ("Bị từ chối", "Rejected"),
    "suspended": ("Bị đình chỉ", "Suspended"),
    "mobile": ("Điện thoại", "Phone"),
    "desktop": ("Máy tính", "Computer"),
    "bot": ("Chương trình tự động", "Bot"),
    "repeat": ("Quét lặp (không tính)", "Repeat (not counted)"),
    "vietgap": ("VietGAP", "VietGAP"),
    "ocop": ("OCOP", "OCOP"),
    "geographical_indication": ("Chỉ dẫn địa lý", "Geographical indication"),
    "haccp": ("HACCP", "HACCP"),
    "iso22000": ("ISO 22000", "ISO 22000"),
    "organic": ("Hữu cơ", "Organic"),
}


def today() -> dt.date:
    return dt.datetime.now(REPORTING_ZONE).date()


@dataclass(frozen=True)
class View:
    """The period and filters a page shows, as read from (and written back to) the URL."""

    period: Period
    filters: Filters
    params: dict[str, str]
    # A period that could not be read: the page shows the current quarter and says so.
    period_error: InvalidInput | None = None

    @classmethod
    def of(cls, request: Request) -> View:
        query = request.query_params
        text = (query.get("period") or "").strip()[:40]
        period, period_error = Period.current_quarter(today()), None
        if text:
            try:
                period = Period.parse(text)
            except InvalidInput as exc:
                period_error = exc
        kind = query.get("kind") or None
        if kind not in {k.value for k in EnterpriseKind}:
            kind = None
        filters = Filters(
            ward_code=(query.get("ward") or "").strip() or None,
            sector=(query.get("sector") or "").strip() or None,
            kind=kind,
        )
        params = {k: v for k in FILTER_PARAMS if (v := (query.get(k) or "").strip())}
        if period_error is not None:
            params.pop("period")
        return cls(period, filters, params, period_error)

    def checked(self) -> View:
        """For downloads, which have no form to show the problem on."""
        if self.period_error is not None:
            raise self.period_error
        return self

    def query(self, **changes: str | None) -> str:
        """This view's query string with some parameters changed (None removes one)."""
        values: dict[str, str] = dict(self.params)
        for key, value in changes.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
        return ("?" + urlencode(values)) if values else ""


def format_number(value: Any, lang: str, *, percent: bool = False) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, dt.date):
        return f"{value.month:02d}/{value.year}"
    if not isinstance(value, int | float):
        return str(value)
    if percent or (isinstance(value, float) and not value.is_integer()):
        text = f"{value:,.1f}"
    else:
        text = f"{int(value):,}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text + (" %" if percent and lang == "vi" else "%" if percent else "")


def sort_spec(text: str | None) -> tuple[str | None, bool]:
    """`-scans` → ("scans", descending)."""
    if not text:
        return None, False
    return (text[1:], True) if text.startswith("-") else (text, False)


def sorted_table(table: Table, request: Request, *, param: str) -> Table:
    key, descending = sort_spec(request.query_params.get(param))
    return table.sorted_by(key, descending=descending)


def require_csrf(request: Request, submitted: str | None) -> None:
    if not csrf_valid(request, submitted):
        raise Forbidden(
            "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ; hãy tải lại trang.",
            "The session expired or the form is not valid; reload the page.",
        )


def _submitted_by_this_page(
    request: Request, csrf_token: Annotated[str, Form(max_length=200)] = ""
) -> None:
    require_csrf(request, csrf_token)


# For a route's `dependencies`: the form carries this session's token.
CHECKED_FORM = Depends(_submitted_by_this_page)
# What an officer writes about a decision (a reason, a note).
OfficerNote = Annotated[str, Form(max_length=2000)]


def page_context(request: Request, view: View | None = None) -> dict[str, Any]:
    lang = request_language(request)

    def fmt(value: Any, percent: bool = False) -> str:
        return format_number(value, lang, percent=percent)

    def pick(vi: str | None, en: str | None) -> str:
        return (vi or "") if lang == "vi" or not en else en

    def label(value: object) -> str:
        key = str(getattr(value, "value", value))
        pair = VALUE_LABELS.get(key)
        return (pair[0] if lang == "vi" else pair[1]) if pair else key

    def table_rows(table: Table) -> Markup:
        return table_rows_html(table, lang)

    return {"view": view, "fmt": fmt, "pick": pick, "label": label, "table_rows": table_rows}


def table_rows_html(table: Table, lang: str) -> Markup:
    """The body rows of a data table. Built here rather than cell by cell in the template:
    the dashboard shows over a thousand cells, and the template loop over them was half
    of the page's rendering time."""
    kinds = [(column.key, column.kind, column.kind == "percent") for column in table.columns]
    return Markup(
        "\n".join(
            "<tr>"
            + "".join(
                f'<td class="{kind}">{escape(format_number(row.get(key), lang, percent=percent))}'
                "</td>"
                for key, kind, percent in kinds
            )
            + "</tr>"
            for row in table.rows
        )
    )
