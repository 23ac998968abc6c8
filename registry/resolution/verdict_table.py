"""The verdict table (docs/verdicts.md): for every situation a scan can meet, its
colour, its wording in Vietnamese, English and Chinese (the consumer page of an export
product, docs/verdicts.md), and the advice it gives.

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
    zh: str = ""
    """Simplified Chinese; where a wording has none (an officer's own text), English."""

    def in_language(self, lang: str) -> str:
        if lang == "zh":
            return self.zh or self.en
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
    "请勿购买或使用。请点击下方按钮向主管机构反映。",
)
CHECK_PACKAGE = Wording(
    "Đối chiếu tên sản phẩm, nhà sản xuất và lô hàng bên dưới với bao bì.",
    "Check that the product, producer and lot below match the package.",
    "请核对下方的产品名称、生产者和批次是否与包装一致。",
)
NEUTRAL_ADVICE = Wording(
    "Xem thông tin trên bao bì và mua ở nơi tin cậy. Nếu nghi ngờ, hãy báo cho Chi cục.",
    "Read the package and buy from a seller you trust. If in doubt, tell the agency.",
    "请阅读包装信息，并在可信的商家购买。如有疑问，请向主管机构反映。",
)

PRODUCT_ONLY = Wording(
    "Sản phẩm có trong hệ thống của tỉnh, nhà sản xuất đã được Chi cục xác minh. Tem không "
    "ghi lô hay số sê-ri nên không xác nhận được từng món hàng.",
    "The product is in the provincial registry and the agency has verified the producer. "
    "The label names no lot or serial number, so it cannot vouch for this single item.",
    "该产品已在本省系统中登记，生产者已经主管机构核实。标签上没有批号或序列号，因此无法确认这一件商品。",
)

_FIXED: dict[Verdict, tuple[Wording, Wording, Wording]] = {
    Verdict.genuine: (
        Wording(
            "Tem chính hãng, sản phẩm đã đăng ký",
            "Genuine label, registered product",
            "正品标签，已登记产品",
        ),
        Wording(
            "Số sê-ri này do hệ thống của tỉnh cấp cho đúng lô hàng này, và nhà sản xuất "
            "đã được Chi cục xác minh.",
            "This serial number was issued by the provincial registry for this very lot, "
            "and the agency has verified the producer.",
            "该序列号由本省系统为此批次签发，生产者已经主管机构核实。",
        ),
        CHECK_PACKAGE,
    ),
    Verdict.registered: (
        Wording("Sản phẩm đã đăng ký", "Registered product", "已登记产品"),
        Wording(
            "Sản phẩm và lô hàng có trong hệ thống của tỉnh, nhà sản xuất đã được Chi cục "
            "xác minh. Tem không có số sê-ri riêng nên không xác nhận được từng món hàng.",
            "The product and its lot are in the provincial registry and the agency has "
            "verified the producer. The label has no serial number, so it cannot vouch "
            "for this single item.",
            "该产品及其批次已在本省系统中登记，生产者已经主管机构核实。标签没有单独的序列号，"
            "因此无法确认这一件商品。",
        ),
        CHECK_PACKAGE,
    ),
    Verdict.lot_undeclared: (
        Wording(
            "Lô hàng này chưa được khai báo", "This lot has not been declared", "此批次尚未申报"
        ),
        Wording(
            "Sản phẩm có đăng ký, nhưng nhà sản xuất chưa khai báo lô ghi trên tem. "
            "Tem có thể in sai, hoặc bị làm giả bằng một mã sản phẩm thật.",
            "The product is registered, but its producer has not declared the lot on "
            "this label. The label may be misprinted, or forged with a real product code.",
            "产品已登记，但生产者尚未申报标签上的批次。标签可能印错，或是用真实的产品代码伪造的。",
        ),
        Wording(
            "Hỏi người bán về lô hàng và đối chiếu với bao bì. Nếu nghi ngờ, đừng mua và "
            "hãy báo cho Chi cục.",
            "Ask the seller about the lot and compare it with the package. If in doubt, "
            "do not buy and tell the agency.",
            "请向卖家询问批次并与包装核对。如有疑问，请勿购买并向主管机构反映。",
        ),
    ),
    Verdict.recalled: (
        Wording("Sản phẩm đang bị thu hồi", "This product is being recalled", "该产品正在召回"),
        Wording(
            "Cơ quan quản lý đã thu hồi sản phẩm hoặc lô hàng này.",
            "The authorities have recalled this product or lot.",
            "主管部门已召回该产品或此批次。",
        ),
        Wording(
            "Không sử dụng sản phẩm này; mang trả nơi mua.",
            "Do not use it; return it where you bought it.",
            "请勿使用该产品；请退回购买处。",
        ),
    ),
    Verdict.expired: (
        Wording("Sản phẩm đã hết hạn sử dụng", "This product has expired", "该产品已过保质期"),
        Wording("Hạn sử dụng đã qua.", "The expiry date has passed.", "保质期已过。"),
        Wording(
            "Không nên sử dụng. Báo cho Chi cục nếu hàng hết hạn vẫn được bày bán.",
            "Better not use it. Tell the agency if expired goods are still on sale.",
            "不建议使用。如过期商品仍在销售，请向主管机构反映。",
        ),
    ),
    Verdict.withdrawn: (
        Wording(
            "Sản phẩm đã ngừng lưu hành", "This product has been withdrawn", "该产品已停止销售"
        ),
        Wording(
            "Nhà sản xuất hoặc cơ quan quản lý đã ngừng lưu hành sản phẩm hoặc lô hàng này.",
            "The producer or the authorities have withdrawn this product or lot from sale.",
            "生产者或主管部门已将该产品或此批次撤出市场。",
        ),
        Wording(
            "Hỏi người bán vì sao sản phẩm vẫn được bán. Nếu nghi ngờ, hãy báo cho Chi cục.",
            "Ask the seller why it is still on sale. If in doubt, tell the agency.",
            "请询问卖家为何仍在销售。如有疑问，请向主管机构反映。",
        ),
    ),
    Verdict.suspended: (
        Wording("Nhà sản xuất đang bị tạm đình chỉ", "The producer is suspended", "生产者已被暂停"),
        Wording(
            "Chi cục đã tạm đình chỉ nhà sản xuất này; thông tin sản phẩm chưa được bảo đảm.",
            "The agency has suspended this producer; the product information is not vouched for.",
            "主管机构已暂停该生产者；产品信息未获担保。",
        ),
        Wording(
            "Thận trọng khi mua. Nếu nghi ngờ, hãy báo cho Chi cục.",
            "Take care before buying. If in doubt, tell the agency.",
            "购买时请谨慎。如有疑问，请向主管机构反映。",
        ),
    ),
    Verdict.not_registered: (
        Wording(
            "Mã chưa đăng ký tại hệ thống của tỉnh",
            "Not registered in this registry",
            "未在本省系统登记的代码",
        ),
        Wording(
            "Mã sản phẩm hợp lệ nhưng chưa đăng ký với hệ thống truy xuất của tỉnh. Điều "
            "này không có nghĩa là hàng giả: sản phẩm có thể do doanh nghiệp ở tỉnh khác "
            "sản xuất.",
            "The product code is valid but not registered with the provincial traceability "
            "registry. This does not mean the product is fake: it may come from a producer "
            "in another province.",
            "产品代码有效，但未在本省追溯系统登记。这并不意味着是假货：产品可能来自其他省份的生产者。",
        ),
        NEUTRAL_ADVICE,
    ),
    Verdict.foreign_prefix: (
        Wording("Mã không do Việt Nam cấp", "A code issued outside Viet Nam", "非越南签发的代码"),
        Wording(
            "Mã sản phẩm hợp lệ nhưng không mang đầu số 893 của Việt Nam, nên không thuộc "
            "hệ thống của tỉnh. Điều này không có nghĩa là hàng giả: nhiều hàng nhập khẩu "
            "mang mã như vậy.",
            "The product code is valid but does not carry Viet Nam's 893 prefix, so it is "
            "outside the provincial registry. This does not mean the product is fake: many "
            "imported goods carry such codes.",
            "产品代码有效，但不带越南的893前缀，因此不属于本省系统。这并不意味着是假货："
            "许多进口商品都带有此类代码。",
        ),
        NEUTRAL_ADVICE,
    ),
    Verdict.invalid: (
        Wording("Mã không hợp lệ", "Invalid code", "无效代码"),
        Wording(
            "Đây không phải là một mã sản phẩm đúng. Tem có thể bị in sai hoặc làm giả.",
            "This is not a correct product code. The label may be misprinted or forged.",
            "这不是正确的产品代码。标签可能印错或被伪造。",
        ),
        Wording(
            "Nếu bạn gõ mã bằng tay, hãy kiểm tra lại. Nếu đã quét từ tem, đừng mua và "
            "hãy báo cho Chi cục.",
            "If you typed the code, check it again. If you scanned it from a label, do not "
            "buy and tell the agency.",
            "如果您是手动输入代码，请再检查一遍。如果是从标签扫描的，请勿购买并向主管机构反映。",
        ),
    ),
    Verdict.serial_never_issued: (
        Wording(
            "Tem này không do hệ thống cấp — có thể là hàng giả",
            "This label was never issued — possibly a fake",
            "此标签并非系统签发——可能是假货",
        ),
        Wording(
            "Số sê-ri trên tem không thuộc lô hàng này: hệ thống chưa từng cấp nó.",
            "The serial number on this label does not belong to this lot: the registry "
            "never issued it.",
            "标签上的序列号不属于此批次：系统从未签发过它。",
        ),
        REPORT_ADVICE,
    ),
    Verdict.serial_void: (
        Wording(
            "Tem này đã bị hủy — có thể là hàng giả",
            "This label has been voided — possibly a fake",
            "此标签已作废——可能是假货",
        ),
        Wording(
            "Đợt in chứa số sê-ri này đã bị nhà sản xuất hủy, nên tem không còn giá trị.",
            "The producer voided the print run that holds this serial number; the label is "
            "no longer valid.",
            "包含此序列号的印刷批次已被生产者作废，标签不再有效。",
        ),
        REPORT_ADVICE,
    ),
    Verdict.suspicious_copy: (
        Wording(
            "Tem này có thể đã bị sao chép", "This label may have been copied", "此标签可能已被复制"
        ),
        Wording(
            "Tem thật chỉ được vài người quét. Tem này được quét nhiều hơn thế, từ nhiều "
            "nơi khác nhau.",
            "A genuine label is scanned by a few people. This one was scanned far more "
            "often, from many different places.",
            "正品标签只会被少数人扫描。此标签被扫描的次数远多于此，且来自许多不同地点。",
        ),
        Wording(
            "Nếu đây là lần quét đầu tiên của bạn, tem có thể là bản sao: hỏi người bán và "
            "báo cho Chi cục.",
            "If this is your first scan, the label may be a copy: ask the seller and tell "
            "the agency.",
            "如果这是您第一次扫描，标签可能是复制品：请询问卖家并向主管机构反映。",
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
            f"召回原因：{recall.reason_en or recall.reason_vi}",
        )
        if recall.notice_vi:
            advice = Wording(
                f"Không sử dụng sản phẩm này. Thông báo thu hồi: {recall.notice_vi}",
                f"Do not use it. The recall notice: {recall.notice_en or recall.notice_vi}",
                f"请勿使用该产品。召回通知：{recall.notice_en or recall.notice_vi}",
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
            f"过去{window_days}天内，{activity.network_count}个不同网络的"
            f"{activity.device_count}台设备共扫描{activity.scan_count}次；首次扫描于{since}。",
        )
    return VerdictCard(kind, headline, explanation, advice, reason)


def _expired_on(day: dt.date) -> Wording:
    text = day.strftime("%d/%m/%Y")
    return Wording(f"Hạn sử dụng: {text}", f"Expiry date: {text}", f"保质期至：{text}")


def verdict_of_unknown_gtin(gtin: str) -> Verdict:
    """A valid GTIN the registry does not hold: under Viet Nam's prefix or not."""
    return Verdict.not_registered if gtin[1:4] == VIETNAM_PREFIX else Verdict.foreign_prefix
