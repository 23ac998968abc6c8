"""Recalls: recall a product or some of its lots with a notice, see the impact, end it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from registry.errors import InvalidInput, NotFound
from registry.lots.models import Lot
from registry.products.models import Product
from registry.products.service import checked_gtin
from registry.recalls.models import Recall
from registry.recalls.service import (
    RecallNotice,
    end_recall,
    list_recalls,
    recall_impact,
    recall_product,
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
        product = session.scalar(select(Product).where(Product.gtin == checked_gtin(gtin.strip())))
        if product is None:
            raise NotFound("Không tìm thấy sản phẩm có GTIN này.", "No product has this GTIN.")
        lots = list(
            session.scalars(select(Lot).where(Lot.product_id == product.id).order_by(Lot.code))
        )
    all_recalls = list_recalls(session, actor=actor)
    products = {
        p.id: p
        for p in session.scalars(
            select(Product).where(Product.id.in_({r.product_id for r in all_recalls}))
        )
    }
    lot_codes = dict(
        session.execute(
            select(Lot.id, Lot.code).where(Lot.id.in_({r.lot_id for r in all_recalls if r.lot_id}))
        ).all()
    )
    context = page_context(request)
    context.update(
        {
            "recalls": all_recalls,
            "products": products,
            "lot_codes": lot_codes,
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
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("Không tìm thấy sản phẩm.", "Product not found.")
    lots: list[Lot] = []
    if scope == "lots":
        lots = list(session.scalars(select(Lot).where(Lot.id.in_(lot_ids or []))))
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


def _recall(session: SessionDep, recall_id: int) -> Recall:
    recall = session.get(Recall, recall_id)
    if recall is None:
        raise NotFound("Không tìm thấy đợt thu hồi.", "Recall not found.")
    return recall


@router.get("/recalls/{recall_id}", response_class=HTMLResponse)
def recall_detail(
    recall_id: int, request: Request, session: SessionDep, actor: AgencyActor
) -> HTMLResponse:
    actor.ensure_agency()
    recall = _recall(session, recall_id)
    context = page_context(request)
    context.update(
        {
            "recall": recall,
            "product": session.get(Product, recall.product_id),
            "lot": session.get(Lot, recall.lot_id) if recall.lot_id else None,
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
    end_recall(session, actor=actor, recall=_recall(session, recall_id))
    return RedirectResponse(f"/agency/recalls/{recall_id}", status_code=SEE_OTHER)
