"""The statistics dashboard, its full tables, their exports and the periodic report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from registry.errors import NotFound
from registry.places.service import current_wards, unit_names
from registry.population.service import PROVINCE_CODE
from registry.spreadsheets import CSV_TYPE, XLSX_TYPE
from registry.stats.facts_cache import Versions
from registry.stats.indicators import Snapshot, distinct_sectors
from registry.stats.tables import KIND_LABELS, TABLE_NAMES, Table, build_table
from service.deps import AgencyActor, SessionDep
from service.i18n import request_language
from service.pages.agency.charts import BarChart
from service.pages.agency.common import View, format_number, page_context, sorted_table
from service.pages.agency.exports import attachment, table_csv, table_xlsx
from service.templating import render

router = APIRouter()
CHART_WARDS = 15


@dataclass(frozen=True)
class Dashboard:
    view: View
    tables: dict[str, Table]
    charts: list[tuple[BarChart, Table]]
    versions: Versions


def _tr(lang: str, vi: str, en: str) -> str:
    return vi if lang == "vi" else en


def build_dashboard(session: Session, view: View, *, lang: str) -> Dashboard:
    # Every dashboard shows growth: the period before is read in the same passes.
    snapshot = Snapshot.take(session, view.period, view.filters, with_previous=True)
    tables = {name: build_table(session, snapshot, name, lang=lang) for name in TABLE_NAMES}
    return Dashboard(view, tables, charts_for(tables, view, lang=lang), snapshot.versions)


def charts_for(tables: dict[str, Table], view: View, *, lang: str) -> list[tuple[BarChart, Table]]:
    def count(value: float) -> str:
        return format_number(value, lang)

    def percent(value: float) -> str:
        return format_number(value, lang, percent=True)

    no_data = _tr(lang, "Không có dữ liệu", "No data")
    monthly = tables["monthly"]
    months = [format_number(r["month"], lang) for r in monthly.rows]
    period = view.period.label(lang)
    scans = [float(r["scans"]) for r in monthly.rows]
    registrations = [float(r["new_registered"]) for r in monthly.rows]
    wards = sorted(tables["by_ward"].rows, key=lambda r: (-r["population"], r["label"]))
    wards = [r for r in wards if r["population"]][:CHART_WARDS]
    verdicts = tables["verdicts"]
    return [
        (
            BarChart(
                "chart-scans",
                _tr(lang, "Lượt quét theo tháng", "Scans by month"),
                _tr(
                    lang,
                    f"Lượt quét của người tiêu dùng mỗi tháng, {period}.",
                    f"Consumer scans per month, {period}.",
                )
                + " "
                + ", ".join(f"{m}: {count(v)}" for m, v in zip(months, scans, strict=True)),
                months,
                scans,
                value_format=count,
                empty_note=no_data,
            ),
            monthly,
        ),
        (
            BarChart(
                "chart-registrations",
                _tr(lang, "Đăng ký mới theo tháng", "New registrations by month"),
                _tr(
                    lang,
                    f"Số doanh nghiệp đăng ký mới mỗi tháng, {period}.",
                    f"New enterprise registrations per month, {period}.",
                )
                + " "
                + ", ".join(f"{m}: {count(v)}" for m, v in zip(months, registrations, strict=True)),
                months,
                registrations,
                value_format=count,
                empty_note=no_data,
            ),
            monthly,
        ),
        (
            BarChart(
                "chart-adoption",
                _tr(lang, "Tỷ lệ tham gia theo phường/xã", "Adoption rate by ward"),
                _tr(
                    lang,
                    f"Tỷ lệ tham gia của {len(wards)} phường/xã có nhiều cơ sở nhất trong danh bạ.",
                    f"Adoption rate of the {len(wards)} wards with the most register entries.",
                )
                + " "
                + ", ".join(f"{r['label']}: {percent(r['adoption_rate'])}" for r in wards),
                [r["label"] for r in wards],
                [float(r["adoption_rate"]) for r in wards],
                horizontal=True,
                value_format=percent,
                empty_note=no_data,
            ),
            tables["by_ward"],
        ),
        (
            BarChart(
                "chart-verdicts",
                _tr(lang, "Lượt quét theo kết quả", "Scans by verdict"),
                _tr(
                    lang,
                    f"Kết quả của các lượt quét, {period}.",
                    f"What the scans showed, {period}.",
                )
                + " "
                + ", ".join(f"{r['label']}: {count(r['scans'])}" for r in verdicts.rows),
                [r["label"] for r in verdicts.rows],
                [float(r["scans"]) for r in verdicts.rows],
                horizontal=True,
                value_format=count,
                empty_note=no_data,
            ),
            verdicts,
        ),
    ]


def filter_choices(
    session: Session, *, lang: str, versions: Versions | None = None
) -> dict[str, Any]:
    return {
        "wards": current_wards(session, province_code=PROVINCE_CODE),
        "sectors": distinct_sectors(session, versions=versions),
        "kinds": [(k, v[0] if lang == "vi" else v[1]) for k, v in KIND_LABELS.items()],
    }


def filter_names(session: Session, view: View, *, lang: str) -> list[str]:
    """The filters in words, for headings: the ward's name, the sector, the type."""
    filters = view.filters
    names = []
    if filters.ward_code:
        names.append(unit_names(session, {filters.ward_code}).get(filters.ward_code, "?"))
    if filters.sector:
        names.append(filters.sector)
    if filters.kind:
        names.append(_tr(lang, *KIND_LABELS[filters.kind]))
    return names


def _period_status(view: View) -> int:
    return view.period_error.status if view.period_error else 200


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, actor: AgencyActor) -> HTMLResponse:
    lang = request_language(request)
    view = View.of(request)
    board = build_dashboard(session, view, lang=lang)
    tables = {
        name: sorted_table(table, request, param=f"sort_{name}")
        for name, table in board.tables.items()
    }
    context = page_context(request, view)
    context.update(
        {
            "tables": tables,
            "indicators": tables["indicators"],
            "charts": board.charts,
            "choices": filter_choices(session, lang=lang, versions=board.versions),
            "filter_names": filter_names(session, view, lang=lang),
        }
    )
    return render(request, "agency/dashboard.html", context, status_code=_period_status(view))


def _table(
    session: Session, request: Request, name: str, *, download: bool = False
) -> tuple[View, Table]:
    if name not in TABLE_NAMES:
        raise NotFound("Không có bảng này.", "No such table.")
    view = View.of(request).checked() if download else View.of(request)
    snapshot = Snapshot.take(session, view.period, view.filters, with_previous=name == "indicators")
    table = build_table(session, snapshot, name, lang=request_language(request))
    return view, sorted_table(table, request, param="sort")


@router.get("/tables/{name}", response_class=HTMLResponse)
def table_page(
    name: str, request: Request, session: SessionDep, actor: AgencyActor
) -> HTMLResponse:
    view, table = _table(session, request, name)
    context = page_context(request, view)
    context.update(
        {
            "table": table,
            "sort_param": "sort",
            "standalone": True,
            "filter_names": filter_names(session, view, lang=request_language(request)),
        }
    )
    return render(request, "agency/table.html", context, status_code=_period_status(view))


@router.get("/export/{name}.csv")
def export_csv(name: str, request: Request, session: SessionDep, actor: AgencyActor) -> Response:
    view, table = _table(session, request, name, download=True)
    body = table_csv(table, lang=request_language(request))
    return Response(body, media_type=CSV_TYPE, headers=attachment(f"{name}-{view.period.key}.csv"))


@router.get("/export/{name}.xlsx")
def export_xlsx(name: str, request: Request, session: SessionDep, actor: AgencyActor) -> Response:
    view, table = _table(session, request, name, download=True)
    body = table_xlsx(table, lang=request_language(request))
    return Response(
        body, media_type=XLSX_TYPE, headers=attachment(f"{name}-{view.period.key}.xlsx")
    )


@router.get("/report.pdf")
def periodic_report(request: Request, session: SessionDep, actor: AgencyActor) -> Response:
    lang = request_language(request)
    view = View.of(request).checked()
    board = build_dashboard(session, view, lang=lang)
    # On first use: the report module imports reportlab, ~0.1 s of every app start.
    from service.pages.agency.report_pdf import report_pdf

    body = report_pdf(
        board.tables,
        [chart for chart, _ in board.charts],
        view,
        lang=lang,
        filter_names=filter_names(session, view, lang=lang),
    )
    return Response(
        body,
        media_type="application/pdf",
        headers=attachment(f"bao-cao-{view.period.key}.pdf"),
    )
