"""Master data for GS1: the GPC brick search behind the product form, and the sheet an
enterprise hands to GS1 Vietnam (XLSX or CSV)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from registry.gpc.service import MAX_QUERY_LENGTH, count_bricks, search_bricks
from registry.products.gs1_export import COLUMNS, master_data_rows
from registry.spreadsheets import CSV_TYPE, XLSX_TYPE, Sheet, csv_text, xlsx_bytes
from service.deps import SessionDep
from service.pages.portal.common import PortalDep, page

router = APIRouter(prefix="/portal")
EXPORT_NAME = "gs1-master-data"


@router.get("/gpc")
def gpc_search(request: Request, session: SessionDep, portal: PortalDep, q: str = "") -> Response:
    """The brick search as a page: works without JavaScript, each result says its code."""
    text = q.strip()[:MAX_QUERY_LENGTH]
    return page(
        request,
        "portal/gpc.html",
        {
            "q": text,
            "bricks": search_bricks(session, text=text) if text else [],
            "loaded": count_bricks(session),
        },
        portal=portal,
    )


@router.get("/gpc/bricks")
def gpc_bricks(session: SessionDep, portal: PortalDep, q: str = "") -> JSONResponse:
    """The same search for the form's suggestion list."""
    bricks = search_bricks(session, text=q[:MAX_QUERY_LENGTH], limit=20)
    return JSONResponse([{"code": b.code, "title": b.title} for b in bricks])


def _rows(request: Request, session: SessionDep, portal: PortalDep) -> list[list[object]]:
    base_url = request.app.state.truyxuat.settings.public_base_url
    return [
        list(row)
        for row in master_data_rows(
            session, actor=portal.actor, enterprise=portal.enterprise, base_url=base_url
        )
    ]


def _attachment(suffix: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{EXPORT_NAME}.{suffix}"'}


@router.get("/products/gs1-master-data.xlsx")
def export_xlsx(request: Request, session: SessionDep, portal: PortalDep) -> Response:
    sheet = Sheet(
        title="GS1 master data",
        header=COLUMNS,
        rows=_rows(request, session, portal),
        widths=[16, 14, 30, 10, 20, 40, 40, 40, 12, 30, 10, 10, 14, 14, 12, 40],
    )
    return Response(xlsx_bytes(sheet), media_type=XLSX_TYPE, headers=_attachment("xlsx"))


@router.get("/products/gs1-master-data.csv")
def export_csv(request: Request, session: SessionDep, portal: PortalDep) -> Response:
    body = "\ufeff" + csv_text(COLUMNS, _rows(request, session, portal))
    return Response(body.encode("utf-8"), media_type=CSV_TYPE, headers=_attachment("csv"))
