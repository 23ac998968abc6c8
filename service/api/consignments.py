"""Consignments (export shipments) and their dossier: PDF and EPCIS document."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from registry.actor import not_found
from registry.consignments import service as consignments
from registry.consignments.details import Importer, LabResult, Treatment
from registry.consignments.schemas import ConsignmentIn, ConsignmentOut
from registry.consignments.service import ConsignedLot, Phytosanitary, Shipment
from registry.enterprises.service import get_enterprise
from registry.errors import Forbidden
from registry.locations.service import get_location
from registry.lots.models import Lot
from registry.schemas import PageOut
from service.api.common import OptionalId, PageNumber, PerPage, RecordId, page_out
from service.deps import CurrentActor, SessionDep

router = APIRouter(prefix="/consignments", tags=["consignments"])
Market = Annotated[str | None, Query(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")]


@router.get("", response_model=PageOut[ConsignmentOut])
def list_consignments(
    session: SessionDep,
    actor: CurrentActor,
    enterprise_id: OptionalId = None,
    market: Market = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    result = consignments.list_consignments(
        session,
        actor=actor,
        enterprise_id=enterprise_id,
        market=market,
        page=page,
        per_page=per_page,
    )
    return page_out(result, ConsignmentOut)


@router.post("", response_model=ConsignmentOut, status_code=201)
def create_consignment(body: ConsignmentIn, session: SessionDep, actor: CurrentActor) -> Any:
    if actor.enterprise_id is None:
        raise Forbidden(
            "Lô hàng xuất khẩu do chính doanh nghiệp xuất khẩu ghi nhận.",
            "A consignment is recorded by the exporting enterprise itself.",
        )
    lots = []
    for item in body.lots:
        lot = session.get(Lot, item.lot_id)
        if lot is None:
            raise not_found(("lô hàng", "lot"))
        lots.append(ConsignedLot(lot, item.quantity, item.unit))
    treatment = body.treatment
    return consignments.create_consignment(
        session,
        actor=actor,
        enterprise=get_enterprise(session, actor=actor, enterprise_id=actor.enterprise_id),
        market=body.market,
        lots=lots,
        importer=Importer(body.importer.name, body.importer.country, body.importer.address),
        shipment=Shipment(
            location=get_location(session, actor=actor, location_id=body.location_id),
            departed_on=body.departed_on,
            port_of_loading=body.port_of_loading,
            port_of_discharge=body.port_of_discharge,
            container_number=body.container_number,
            seal_numbers=body.seal_numbers,
        ),
        papers=Phytosanitary(
            certificate_number=body.certificate_number,
            additional_declarations=body.additional_declarations,
            treatment=Treatment(
                treatment.kind,
                dose_gy=treatment.dose_gy,
                temperature_c=treatment.temperature_c,
                duration_minutes=treatment.duration_minutes,
                agent=treatment.agent,
                concentration_g_m3=treatment.concentration_g_m3,
            ),
            lab_results=[LabResult(**r.model_dump()) for r in body.lab_results],
        ),
    )


@router.get("/{consignment_id}", response_model=ConsignmentOut)
def get_consignment(consignment_id: RecordId, session: SessionDep, actor: CurrentActor) -> Any:
    return consignments.get_consignment(session, actor=actor, consignment_id=consignment_id)


@router.get(
    "/{consignment_id}/dossier.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The dossier PDF"}},
)
def dossier_as_pdf(consignment_id: RecordId, session: SessionDep, actor: CurrentActor) -> Response:
    consignment = consignments.get_consignment(session, actor=actor, consignment_id=consignment_id)
    # On first use: the dossier module imports reportlab, ~0.1 s of every app start.
    from service.pages.portal.dossier_pdf import dossier_download

    return dossier_download(session, actor=actor, consignment=consignment, kind="pdf")


@router.get(
    "/{consignment_id}/dossier.jsonld",
    response_class=JSONResponse,
    responses={200: {"content": {"application/ld+json": {}}, "description": "EPCISDocument"}},
)
def dossier_as_epcis(
    consignment_id: RecordId, session: SessionDep, actor: CurrentActor
) -> Response:
    consignment = consignments.get_consignment(session, actor=actor, consignment_id=consignment_id)
    # On first use: the dossier module imports reportlab, ~0.1 s of every app start.
    from service.pages.portal.dossier_pdf import dossier_download

    return dossier_download(session, actor=actor, consignment=consignment, kind="jsonld")
