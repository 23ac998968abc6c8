"""The verdict table (docs/verdicts.md): for every situation a scan can meet, its
colour, its wording in Vietnamese and English, and the advice it gives.

`verdict_for` is the one place that turns a resolution into what people read: the
consumer page, `GET /api/v1/verify`, the linkset's item description, the scanner
CLI (through the API) and the agency's suspicious list all take it from here.
The verdict values and colours themselves live in registry/verdicts.py, below the
statistics that count them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from registry.verdicts import Colour, Verdict

if TYPE_CHECKING:
    from registry.resolution.verdict import Resolution

# GS1 General Specifications §1.4.3: 893 is GS1 Vietnam's prefix; a GTIN-14 keeps it
# after its indicator digit.
VIETNAM_PREFIX = "893"


@dataclass(frozen=True, slots=True)
class Wording:
    vi: str
    en: str

    def in_language(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi

    def as_dict(self) -> dict[str, str]:
        return {"vi": self.vi, "en": self.en}


@dataclass(frozen=True, slots=True)
class VerdictCard:
    """Everything a verdict tells a person. `reason` is why, when the registry knows
    it (the officer's recall reason, the scans behind a suspicious copy)."""

    kind: Verdict
    headline: Wording
    explanation: Wording
    advice: Wording
    reason: Wording | None = None

    @property
    def colour(self) -> Colour:
        return self.kind.colour

    @property
    def asks_for_report(self) -> bool:
        """Red and amber cards carry the report button."""
        return self.colour in (Colour.red, Colour.amber)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "colour": self.colour.value,
            "headline": self.headline.as_dict(),
            "explanation": self.explanation.as_dict(),
            "advice": self.advice.as_dict(),
            "reason": self.reason.as_dict() if self.reason else None,
        }


REPORT_ADVICE = Wording(
    "Đừng mua hoặc sử dụng. Hãy báo cho Chi cục bằng nút bên dưới.",
    "Do not buy or use it. Tell the agency with the button below.",
)
CHECK_PACKAGE = Wording(
    "Đối chiếu tên sản phẩm, nhà sản xuất và lô hàng bên dưới với bao bì.",
    "Check that the product, producer and lot below match the package.",
)
NEUTRAL_ADVICE = Wording(
    "Xem thông tin trên bao bì và mua ở nơi tin cậy. Nếu nghi ngờ, hãy báo cho Chi cục.",
    "Read the package and buy from a seller you trust. If in doubt, tell the agency.",
)

PRODUCT_ONLY = Wording(
    "Sản phẩm có trong hệ thống của tỉnh, nhà sản xuất đã được Chi cục xác minh. Tem không "
    "ghi lô hay số sê-ri nên không xác nhận được từng món hàng.",
    "The product is in the provincial registry and the agency has verified the producer. "
    "The label names no lot or serial number, so it cannot vouch for this single item.",
)

_FIXED: dict[Verdict, tuple[Wording, Wording, Wording]] = {
    Verdict.genuine: (
        Wording("Tem chính hãng, sản phẩm đã đăng ký", "Genuine label, registered product"),
        Wording(
            "Số sê-ri này do hệ thống của tỉnh cấp cho đúng lô hàng này, và nhà sản xuất "
            "đã được Chi cục xác minh.",
            "This serial number was issued by the provincial registry for this very lot, "
            "and the agency has verified the producer.",
        ),
        CHECK_PACKAGE,
    ),
    Verdict.registered: (
        Wording("Sản phẩm đã đăng ký", "Registered product"),
        Wording(
            "Sản phẩm và lô hàng có trong hệ thống của tỉnh, nhà sản xuất đã được Chi cục "
            "xác minh. Tem không có số sê-ri riêng nên không xác nhận được từng món hàng.",
            "The product and its lot are in the provincial registry and the agency has "
            "verified the producer. The label has no serial number, so it cannot vouch "
            "for this single item.",
        ),
        CHECK_PACKAGE,
    ),
    Verdict.lot_undeclared: (
        Wording("Lô hàng này chưa được khai báo", "This lot has not been declared"),
        Wording(
            "Sản phẩm có đăng ký, nhưng nhà sản xuất chưa khai báo lô ghi trên tem. "
            "Tem có thể in sai, hoặc bị làm giả bằng một mã sản phẩm thật.",
            "The product is registered, but its producer has not declared the lot on "
            "this label. The label may be misprinted, or forged with a real product code.",
        ),
        Wording(
            "Hỏi người bán về lô hàng và đối chiếu với bao bì. Nếu nghi ngờ, đừng mua và "
            "hãy báo cho Chi cục.",
            "Ask the seller about the lot and compare it with the package. If in doubt, "
            "do not buy and tell the agency.",
        ),
    ),
    Verdict.recalled: (
        Wording("Sản phẩm đang bị thu hồi", "This product is being recalled"),
        Wording(
            "Cơ quan quản lý đã thu hồi sản phẩm hoặc lô hàng này.",
            "The authorities have recalled this product or lot.",
        ),
        Wording(
            "Không sử dụng sản phẩm này; mang trả nơi mua.",
            "Do not use it; return it where you bought it.",
        ),
    ),
    Verdict.expired: (
        Wording("Sản phẩm đã hết hạn sử dụng", "This product has expired"),
        Wording("Hạn sử dụng đã qua.", "The expiry date has passed."),
        Wording(
            "Không nên sử dụng. Báo cho Chi cục nếu hàng hết hạn vẫn được bày bán.",
            "Better not use it. Tell the agency if expired goods are still on sale.",
        ),
    ),
    Verdict.withdrawn: (
        Wording("Sản phẩm đã ngừng lưu hành", "This product has been withdrawn"),
        Wording(
            "Nhà sản xuất hoặc cơ quan quản lý đã ngừng lưu hành sản phẩm hoặc lô hàng này.",
            "The producer or the authorities have withdrawn this product or lot from sale.",
        ),
        Wording(
            "Hỏi người bán vì sao sản phẩm vẫn được bán. Nếu nghi ngờ, hãy báo cho Chi cục.",
            "Ask the seller why it is still on sale. If in doubt, tell the agency.",
        ),
    ),
    Verdict.suspended: (
        Wording("Nhà sản xuất đang bị tạm đình chỉ", "The producer is suspended"),
        Wording(
            "Chi cục đã tạm đình chỉ nhà sản xuất này; thông tin sản phẩm chưa được bảo đảm.",
            "The agency has suspended this producer; the product information is not vouched for.",
        ),
        Wording(
            "Thận trọng khi mua. Nếu nghi ngờ, hãy báo cho Chi cục.",
            "Take care before buying. If in doubt, tell the agency.",
        ),
    ),
    Verdict.not_registered: (
        Wording("Mã chưa đăng ký tại hệ thống của tỉnh", "Not registered in this registry"),
        Wording(
            "Mã sản phẩm hợp lệ nhưng chưa đăng ký với hệ thống truy xuất của tỉnh. Điều "
            "này không có nghĩa là hàng giả: sản phẩm có thể do doanh nghiệp ở tỉnh khác "
            "sản xuất.",
            "The product code is valid but not registered with the provincial traceability "
            "registry. This does not mean the product is fake: it may come from a producer "
            "in another province.",
        ),
        NEUTRAL_ADVICE,
    ),
    Verdict.foreign_prefix: (
        Wording("Mã không do Việt Nam cấp", "A code issued outside Viet Nam"),
        Wording(
            "Mã sản phẩm hợp lệ nhưng không mang đầu số 893 của Việt Nam, nên không thuộc "
            "hệ thống của tỉnh. Điều này không có nghĩa là hàng giả: nhiều hàng nhập khẩu "
            "mang mã như vậy.",
            "The product code is valid but does not carry Viet Nam's 893 prefix, so it is "
            "outside the provincial registry. This does not mean the product is fake: many "
            "imported goods carry such codes.",
        ),
        NEUTRAL_ADVICE,
    ),
    Verdict.invalid: (
        Wording("Mã không hợp lệ", "Invalid code"),
        Wording(
            "Đây không phải là một mã sản phẩm đúng. Tem có thể bị in sai hoặc làm giả.",
            "This is not a correct product code. The label may be misprinted or forged.",
        ),
        Wording(
            "Nếu bạn gõ mã bằng tay, hãy kiểm tra lại. Nếu đã quét từ tem, đừng mua và "
            "hãy báo cho Chi cục.",
            "If you typed the code, check it again. If you scanned it from a label, do not "
            "buy and tell the agency.",
        ),
    ),
    Verdict.serial_never_issued: (
        Wording(
            "Tem này không do hệ thống cấp — có thể là hàng giả",
            "This label was never issued — possibly a fake",
        ),
        Wording(
            "Số sê-ri trên tem không thuộc lô hàng này: hệ thống chưa từng cấp nó.",
            "The serial number on this label does not belong to this lot: the registry "
            "never issued it.",
        ),
        REPORT_ADVICE,
    ),
    Verdict.serial_void: (
        Wording(
            "Tem này đã bị hủy — có thể là hàng giả",
            "This label has been voided — possibly a fake",
        ),
        Wording(
            "Đợt in chứa số sê-ri này đã bị nhà sản xuất hủy, nên tem không còn giá trị.",
            "The producer voided the print run that holds this serial number; the label is "
            "no longer valid.",
        ),
        REPORT_ADVICE,
    ),
    Verdict.suspicious_copy: (
        Wording("Tem này có thể đã bị sao chép", "This label may have been copied"),
        Wording(
            "Tem thật chỉ được vài người quét. Tem này được quét nhiều hơn thế, từ nhiều "
            "nơi khác nhau.",
            "A genuine label is scanned by a few people. This one was scanned far more "
            "often, from many different places.",
        ),
        Wording(
            "Nếu đây là lần quét đầu tiên của bạn, tem có thể là bản sao: hỏi người bán và "
            "báo cho Chi cục.",
            "If this is your first scan, the label may be a copy: ask the seller and tell "
            "the agency.",
        ),
    ),
}


def verdict_for(scan: Resolution | Verdict, *, window_days: int = 0) -> VerdictCard:
    """The card for a resolved scan (its verdict, with the why the registry knows), or
    for a bare verdict when nothing was resolved (an invalid code).

    `window_days`: the suspicious-copy window (Settings.suspicious_window_days)."""
    if isinstance(scan, Verdict):
        return VerdictCard(scan, *_FIXED[scan])
    resolution = scan
    kind = resolution.verdict
    headline, explanation, advice = _FIXED[kind]
    reason = None
    if kind is Verdict.recalled and resolution.recall is not None:
        recall = resolution.recall
        reason = Wording(
            f"Lý do thu hồi: {recall.reason_vi}",
            f"Reason for the recall: {recall.reason_en or recall.reason_vi}",
        )
        if recall.notice_vi:
            advice = Wording(
                f"Không sử dụng sản phẩm này. Thông báo thu hồi: {recall.notice_vi}",
                f"Do not use it. The recall notice: {recall.notice_en or recall.notice_vi}",
            )
    elif kind is Verdict.registered and resolution.lot_code is None:
        explanation = PRODUCT_ONLY
    elif kind is Verdict.expired and resolution.expiry_on is not None:
        reason = _expired_on(resolution.expiry_on)
    elif kind is Verdict.suspicious_copy and resolution.activity is not None:
        activity = resolution.activity
        first = activity.first_scanned_at
        since = first.strftime("%d/%m/%Y") if first else "–"
        reason = Wording(
            f"{activity.scan_count} lượt quét từ {activity.device_count} thiết bị ở "
            f"{activity.network_count} mạng khác nhau trong {window_days} ngày qua; "
            f"quét lần đầu ngày {since}.",
            f"{activity.scan_count} scans from {activity.device_count} devices on "
            f"{activity.network_count} different networks in the last {window_days} days; "
            f"first scanned on {since}.",
        )
    return VerdictCard(kind, headline, explanation, advice, reason)


def _expired_on(day: dt.date) -> Wording:
    text = day.strftime("%d/%m/%Y")
    return Wording(f"Hạn sử dụng: {text}", f"Expiry date: {text}")


def verdict_of_unknown_gtin(gtin: str) -> Verdict:
    """A valid GTIN the registry does not hold: under Viet Nam's prefix or not."""
    return Verdict.not_registered if gtin[1:4] == VIETNAM_PREFIX else Verdict.foreign_prefix
