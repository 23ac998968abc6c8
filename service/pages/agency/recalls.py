"""Recalls: recall a product or some of its lots with a notice, see the impact, end it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.errors import InvalidInput, TruyxuatError
from registry.lots.service import get_lot, lots_of_product
from registry.products.models import Product
from registry.products.search import search_products
from registry.products.service import get_product
from registry.recalls.plan import RecallScope, plan_recall
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
from service.i18n import request_language
from service.pages.agency.common import page_context, require_csrf
from service.pages.agency.queues import SEE_OTHER
from service.pages.form_text import SHOWS_ITS_FORM, cleaned_text
from service.pages.portal.common import field_errors
from service.templating import render

router = APIRouter()


# The form's own fields, in the order the error summary lists them.
FORM_FIELDS = ("scope", "lot_ids", "reason_vi", "reason_en", "notice_vi", "notice_en")


@dataclass(frozen=True)
class RecallForm:
    """What the officer typed and ticked, kept whatever happens to it."""

    product_id: int | None
    scope: str
    lot_ids: list[int]
    reason_vi: str
    reason_en: str
    notice_vi: str
    notice_en: str

    @property
    def notice(self) -> RecallNotice:
        return RecallNotice(self.reason_vi, self.notice_vi, self.reason_en, self.notice_en)


def _number(value: object) -> int | None:
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isdigit() and len(text) < 19 else None


def _recalls_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    query: str = "",
    product: Product | None = None,
    form: RecallForm | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    all_recalls = list_recalls(session, actor=actor)
    context = page_context(request)
    context.update(
        {
            "recalls": all_recalls,
            "products": recalled_products(session, all_recalls),
            "lot_codes": recalled_lot_codes(session, all_recalls),
            "query": query,
            "found": search_products(session, query) if query.strip() and product is None else [],
            "product": product,
            "lots": lots_of_product(session, product_id=product.id) if product else [],
            "form": form,
            "errors": errors or {},
            "error_order": [f for f in ("form", *FORM_FIELDS) if f in (errors or {})],
        }
    )
    return render(request, "agency/recalls.html", context, status_code=status_code)


@router.get("/recalls", response_class=HTMLResponse)
def recalls(
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    q: str = "",
    product: str = "",
    lot: str = "",
) -> HTMLResponse:
    """`product` opens the form for it; with `lot` (from a consumer report) that lot is
    ticked and the scope set to it, still to be reviewed and confirmed."""
    product_id = _number(product)
    chosen = get_product(session, actor=actor, product_id=product_id) if product_id else None
    lot_id = _number(lot)
    form = None
    if chosen is not None and lot_id is not None:
        form = RecallForm(chosen.id, RecallScope.lots, [lot_id], "", "", "", "")
    return _recalls_page(request, session, actor, query=q[:200], product=chosen, form=form)


FormText = Annotated[str, Form()]


@router.post("/recalls", response_class=HTMLResponse, dependencies=[SHOWS_ITS_FORM])
def start_recall(
    request: Request,
    session: SessionDep,
    actor: AgencyActor,
    csrf_token: FormText = "",
    decision: FormText = "review",
    product_id: FormText = "",
    scope: FormText = "",
    lot_ids: Annotated[list[str] | None, Form()] = None,
    reason_vi: FormText = "",
    reason_en: FormText = "",
    notice_vi: FormText = "",
    notice_en: FormText = "",
) -> Response:
    """Review first (the lots, labels and scans reached), then confirm. Any problem shows
    the form again with what was typed and a message beside each field concerned."""
    require_csrf(request, csrf_token)
    text, refused = cleaned_text(
        {
            "scope": scope,
            "reason_vi": reason_vi,
            "reason_en": reason_en,
            "notice_vi": notice_vi,
            "notice_en": notice_en,
        }
    )
    form = RecallForm(
        product_id=_number(product_id),
        lot_ids=[n for value in lot_ids or [] if (n := _number(value)) is not None],
        **text,
    )
    if form.product_id is None:
        raise InvalidInput(
            "Hãy tìm và chọn sản phẩm cần thu hồi.",
            "Find and choose the product to recall.",
            field="product_id",
        )
    product = get_product(session, actor=actor, product_id=form.product_id)
    if decision == "edit":
        return _recalls_page(request, session, actor, product=product, form=form)
    try:
        if refused is not None:
            raise refused
        plan = plan_recall(
            session,
            actor=actor,
            product=product,
            scope=form.scope,
            lot_ids=form.lot_ids,
            notice=form.notice,
        )
    except TruyxuatError as exc:
        errors = field_errors(exc, request_language(request))
        if "lots" in errors:
            errors["lot_ids"] = errors.pop("lots")
        return _recalls_page(
            request,
            session,
            actor,
            product=product,
            form=form,
            errors=errors,
            status_code=exc.status,
        )
    if decision != "confirm":
        context = page_context(request)
        context.update({"plan": plan, "form": form})
        return render(request, "agency/recall_confirm.html", context)
    created = recall_product(
        session, actor=actor, product=product, lots=plan.chosen, notice=plan.notice
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
