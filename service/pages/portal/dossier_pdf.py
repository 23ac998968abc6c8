"""The consignment dossier as a PDF: Vietnamese administrative layout (Decree
30/2020/NĐ-CP, Appendix I: issuer and number on the left, national title, place and date
on the right), every heading and label in Vietnamese with its English beside it, so the
one document serves the exporter, the province and the importing market's inspector."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal
from xml.sax.saxutils import escape

from fastapi.responses import JSONResponse, Response
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer
from reportlab.platypus import Table as PdfTable
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.consignments.details import country_name
from registry.consignments.dossier import (
    Dossier,
    DossierLot,
    dossier_document,
    dossier_events,
    dossier_of,
)
from registry.consignments.models import Consignment
from registry.text import format_quantity
from registry.units import unit_name
from registry.vn.clock import VIETNAM_ZONE
from service.pages import administrative_document as document

SYMBOL = "HSXK"  # hồ sơ xuất khẩu
LANGS = ("vi", "en")


def _day(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "—"


def _text(value: object) -> str:
    return escape(str(value)) if value not in (None, "") else "—"


def _pairs(
    rows: Sequence[tuple[str, str]], styles: dict[str, ParagraphStyle], width: float
) -> PdfTable:
    """Label (Vietnamese / English) and value, two columns."""
    table = PdfTable(
        [
            [Paragraph(label, styles["head"]), Paragraph(value, styles["body"])]
            for label, value in rows
        ],
        colWidths=[width * 0.32, width * 0.68],
    )
    table.setStyle(document.table_style(header=False))
    return table


def _rows(
    header: Sequence[str],
    body: Sequence[Sequence[str]],
    widths: Sequence[float],
    styles: dict[str, ParagraphStyle],
) -> PdfTable:
    table = PdfTable(
        [
            [Paragraph(cell, styles["head"]) for cell in header],
            *([Paragraph(cell, styles["small"]) for cell in row] for row in body),
        ],
        colWidths=list(widths),
        repeatRows=1,
    )
    table.setStyle(document.table_style(header=True))
    return table


def _treatment(dossier: Dossier) -> str:
    vi, en = (dossier.treatment.summary(lang) for lang in ("vi", "en"))
    return escape(vi if vi == en else f"{vi} / {en}")


def _product(lot: DossierLot) -> str:
    names = [_text(name) for name in (lot.product_vi, lot.product_en) if name]
    chinese = document.chinese(lot.product_zh) if lot.product_zh else None
    return "<br/>".join([*names, chinese] if chinese else names)


def _code(name: str | None, code: str | None) -> str:
    if not name and not code:
        return "—"
    return f"{_text(name)}<br/><b>{_text(code)}</b>"


def dossier_pdf(dossier: Dossier, *, event_count: int) -> bytes:
    styles = document.styles()
    width = document.WIDTH
    consignment = dossier.consignment
    market = consignment.market
    story: list[Flowable] = [
        document.heading(
            issuer=[f"<b>{escape(dossier.exporter_name.upper())}</b>"],
            number=str(consignment.id),
            symbol=SYMBOL,
            issued_on=consignment.created_at.astimezone(VIETNAM_ZONE).date(),
            place=None,
            langs=LANGS,
            style=styles["heading"],
        ),
        Spacer(1, 6 * mm),
        Paragraph("HỒ SƠ LÔ HÀNG XUẤT KHẨU", styles["doc_title"]),
        Paragraph("EXPORT CONSIGNMENT DOSSIER", styles["subtitle"]),
        Paragraph(
            f"Thị trường nhập khẩu / Importing market: {escape(country_name(market, 'vi'))}"
            f" / {escape(country_name(market, 'en'))} ({market})",
            styles["subtitle"],
        ),
        Spacer(1, 3 * mm),
        Paragraph("1. Bên xuất khẩu / Exporter", styles["h2"]),
        _pairs(
            [
                ("Tên / Name", _text(dossier.exporter_name)),
                ("Mã số thuế / Tax code", _text(dossier.exporter_tax_code)),
                ("Địa chỉ / Address", _text(dossier.exporter_address)),
                (
                    "Cơ sở đóng gói, nơi xuất hàng / Packhouse of dispatch",
                    f"{_text(dossier.packhouse_name)} (GLN {dossier.packhouse_gln})",
                ),
            ],
            styles,
            width,
        ),
        Paragraph("2. Bên nhập khẩu / Importer", styles["h2"]),
        _pairs(
            [
                ("Tên / Name", _text(consignment.importer_name)),
                (
                    "Nước / Country",
                    f"{escape(country_name(consignment.importer_country, 'vi'))} / "
                    f"{escape(country_name(consignment.importer_country, 'en'))}"
                    f" ({consignment.importer_country})",
                ),
                ("Địa chỉ / Address", _text(consignment.importer_address)),
            ],
            styles,
            width,
        ),
        Paragraph("3. Hàng hóa / Goods", styles["h2"]),
        _rows(
            [
                "Mã lô / Lot",
                "GTIN",
                "Sản phẩm / Product",
                "Số lượng / Quantity",
                "Ngày thu hoạch / Harvested",
                "Vùng trồng, mã số / Planting area, code",
                "Cơ sở đóng gói, mã số / Packhouse, code",
            ],
            [
                [
                    _text(lot.code),
                    lot.gtin,
                    _product(lot),
                    f"{format_quantity(lot.quantity)} {escape(unit_name(lot.unit))}",
                    _day(lot.harvested_on),
                    _code(lot.growing_area, lot.growing_area_code),
                    _code(lot.packhouse, lot.packhouse_code),
                ]
                for lot in dossier.lots
            ],
            [w * width for w in (0.11, 0.15, 0.2, 0.11, 0.1, 0.165, 0.165)],
            styles,
        ),
        Paragraph("4. Kiểm dịch thực vật / Phytosanitary", styles["h2"]),
        _pairs(
            [
                (
                    "Số giấy chứng nhận kiểm dịch thực vật / Phytosanitary certificate No.",
                    _text(consignment.certificate_number),
                ),
                (
                    "Khai báo bổ sung / Additional declarations",
                    _text(consignment.additional_declarations),
                ),
                ("Xử lý / Treatment", _treatment(dossier)),
            ],
            styles,
            width,
        ),
        Paragraph("5. Kết quả kiểm nghiệm / Laboratory results", styles["h2"]),
    ]
    if dossier.lab_results:
        story.append(
            _rows(
                [
                    "Phòng thử nghiệm / Laboratory",
                    "Số phiếu / Report No.",
                    "Chỉ tiêu / Analyte",
                    "Kết quả / Result",
                    "Giới hạn / Limit",
                    "Đánh giá / Verdict",
                ],
                [
                    [
                        _text(r.lab),
                        _text(r.report_number),
                        _text(r.analyte),
                        _text(r.result),
                        _text(r.limit),
                        "Đạt / Pass" if r.passed else "Không đạt / Fail",
                    ]
                    for r in dossier.lab_results
                ],
                [w * width for w in (0.22, 0.14, 0.2, 0.14, 0.14, 0.16)],
                styles,
            )
        )
    else:
        story.append(Paragraph("Không có / None", styles["body"]))
    story += [
        Paragraph("6. Vận chuyển / Transport", styles["h2"]),
        _pairs(
            [
                ("Số container / Container No. (ISO 6346)", _text(consignment.container_number)),
                ("Số chì niêm phong / Seal Nos.", _text(", ".join(consignment.seal_numbers))),
                ("Ngày khởi hành / Departure date", _day(consignment.departed_on)),
                ("Cảng, cửa khẩu xếp hàng / Port of loading", _text(consignment.port_of_loading)),
                (
                    "Cảng, cửa khẩu dỡ hàng / Port of discharge",
                    _text(consignment.port_of_discharge),
                ),
            ],
            styles,
            width,
        ),
        Paragraph("7. Truy xuất nguồn gốc / Traceability (EPCIS 2.0)", styles["h2"]),
        _pairs(
            [
                ("Sự kiện xuất hàng / Shipping event ID", _text(consignment.event_id)),
                (
                    "Tài liệu EPCIS kèm theo / EPCIS document",
                    f"{event_count} sự kiện / events (thu hoạch, đóng gói, xuất hàng /"
                    " harvest, packing, shipping)",
                ),
            ],
            styles,
            width,
        ),
        Spacer(1, 8 * mm),
        document.signature(
            signer="ĐẠI DIỆN DOANH NGHIỆP / FOR THE EXPORTER",
            langs=LANGS,
            recipients=(),
            styles=styles,
        ),
    ]
    return document.build(
        story,
        title=f"Hồ sơ lô hàng xuất khẩu {consignment.id} / Export consignment dossier",
        author=dossier.exporter_name,
    )


def dossier_download(
    session: Session, *, actor: Actor, consignment: Consignment, kind: Literal["pdf", "jsonld"]
) -> Response:
    """The dossier as an attachment, for the portal and the API alike."""
    filename = f"consignment-{consignment.id}.{kind}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if kind == "jsonld":
        epcis = dossier_document(session, actor=actor, consignment=consignment)
        return JSONResponse(epcis, media_type="application/ld+json", headers=disposition)
    events = dossier_events(session, actor=actor, consignment=consignment)
    pdf = dossier_pdf(dossier_of(session, consignment=consignment), event_count=len(events))
    return Response(pdf, media_type="application/pdf", headers=disposition)
