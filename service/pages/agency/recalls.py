"""Recalls: recall a product or some of its lots with a notice, see the impact, end it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from registry.errors import InvalidInput, NotFound
from registry.lots.models import Lot
from registry.lots.service import get_lot, lots_by_id, lots_of_product
from registry.products.service import checked_gtin, find_by_gtin, get_product
from registry.recalls.service import (
    RecallNotice,
    end_recall,
    get_recall,
    list_recalls,
    recall_impact,
    recall_product,
    recalled_lot_codes,
    recalled_products,
)
from service.deps import AgencyActor, SessionDep
from service.pages.agency.common import page_context, require_csrf
from service.pages.agency.queues import SEE_OTHER
from service.templating import render

router = APIRouter()


@router.get("/recalls", response_class=HTMLResponse)
def recalls(
    request: Request, session: SessionDep, actor: AgencyActor, gtin: str = ""
) -> HTMLResponse:
    product = None
    lots: list[Lot] = []
    if gtin.strip():
        product = find_by_gtin(session, checked_gtin(gtin.strip()))
        if product is None:
            raise NotFound("Không tìm thấy sản phẩm có GTIN này.", "No product has this GTIN.")
        lots = lots_of_product(session, product_id=product.id)
    all_recalls = list_recalls(session, actor=actor)
    context = page_context(request)
    context.update(
        {
            "recalls": all_recalls,
            "products": recalled_products(session, all_recalls),
            "lot_codes": recalled_lot_codes(session, all_recalls),
            "product": product,
            "lots": lots,
            "gtin": gtin,
        }
    )
    return render(request, "agency/recalls.html", context)


@router.post("/recalls")
def start_recall(
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    product_id: Annotated[int, Form()],
    csrf_token: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "product",
    lot_ids: Annotated[list[int] | None, Form()] = None,
    reason_vi: Annotated[str, Form()] = "",
    reason_en: Annotated[str, Form()] = "",
    notice_vi: Annotated[str, Form()] = "",
    notice_en: Annotated[str, Form()] = "",
) -> RedirectResponse:
    require_csrf(request, csrf_token)
    product = get_product(session, actor=actor, product_id=product_id)
    lots: list[Lot] = []
    if scope == "lots":
        lots = lots_by_id(session, lot_ids or [])
        if not lots:
            raise InvalidInput(
                "Hãy chọn ít nhất một lô.", "Choose at least one lot.", field="lot_ids"
            )
    created = recall_product(
        session,
        actor=actor,
        product=product,
        lots=lots,
        notice=RecallNotice(reason_vi, notice_vi, reason_en, notice_en),
    )
    return RedirectResponse(f"/agency/recalls/{created[0].id}", status_code=SEE_OTHER)


@router.get("/recalls/{recall_id}", response_class=HTMLResponse)
def recall_detail(
    recall_id: int, request: Request, session: SessionDep, actor: AgencyActor
) -> HTMLResponse:
    recall = get_recall(session, actor=actor, recall_id=recall_id)
    context = page_context(request)
    context.update(
        {
            "recall": recall,
            "product": get_product(session, actor=actor, product_id=recall.product_id),
            "lot": get_lot(session, actor=actor, lot_id=recall.lot_id) if recall.lot_id else None,
            "impact": recall_impact(session, recall=recall),
        }
    )
    return render(request, "agency/recall.html", context)


@router.post("/recalls/{recall_id}/end")
def finish_recall(
    recall_id: int,
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    csrf_token: Annotated[str, Form()] = "",
) -> RedirectResponse:
    require_csrf(request, csrf_token)
    end_recall(session, actor=actor, recall=get_recall(session, actor=actor, recall_id=recall_id))
    return RedirectResponse(f"/agency/recalls/{recall_id}", status_code=SEE_OTHER)
