"""Every statistics table in one shape, so the page, CSV, XLSX and PDF show the same rows."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy.orm import Session

from registry.enterprises.models import EnterpriseKind
from registry.places.service import unit_names
from registry.stats import indicators as ind
from registry.stats.indicators import Snapshot
from registry.vn.text import vietnamese_sort_key

ColumnKind = Literal["text", "count", "percent", "month"]

KIND_LABELS: dict[str, tuple[str, str]] = {
    EnterpriseKind.company.value: ("Doanh nghiệp", "Company"),
    EnterpriseKind.cooperative.value: ("Hợp tác xã", "Cooperative"),
    EnterpriseKind.household.value: ("Hộ kinh doanh", "Household business"),
}
VERDICT_LABELS: dict[str, tuple[str, str]] = {
    "genuine": ("Hợp lệ", "Genuine"),
    "registered": ("Đã đăng ký (không sê-ri)", "Registered (no serial)"),
    "lot_undeclared": ("Lô chưa khai báo", "Undeclared lot"),
    "recalled": ("Bị thu hồi", "Recalled"),
    "expired": ("Hết hạn", "Expired"),
    "withdrawn": ("Ngừng lưu hành", "Withdrawn"),
    "suspended": ("Doanh nghiệp bị đình chỉ", "Enterprise suspended"),
    "not_registered": ("Chưa đăng ký", "Not registered"),
    "foreign_prefix": ("Mã ngoài 893", "Outside 893"),
    "invalid": ("Mã không hợp lệ", "Invalid code"),
    "serial_never_issued": ("Số sê-ri chưa từng cấp", "Serial never issued"),
    "serial_void": ("Sê-ri đã hủy", "Serial voided"),
    "suspicious_copy": ("Nghi sao chép", "Suspected copy"),
}
UNKNOWN_LABEL = ("(chưa rõ)", "(unknown)")
NO_REGISTER = ("Chưa có sổ đăng ký kinh doanh", "No business register loaded")
REGISTER_SHARES = frozenset({"adoption_rate", "active_rate"})


@dataclass(frozen=True)
class Column:
    key: str
    label_vi: str
    label_en: str
    kind: ColumnKind = "count"

    def label(self, lang: str) -> str:
        return self.label_vi if lang == "vi" else self.label_en


@dataclass(frozen=True)
class Table:
    name: str
    title_vi: str
    title_en: str
    columns: tuple[Column, ...]
    rows: tuple[dict[str, Any], ...]
    note_vi: str = ""
    note_en: str = ""

    def title(self, lang: str) -> str:
        return self.title_vi if lang == "vi" else self.title_en

    def note(self, lang: str) -> str:
        return self.note_vi if lang == "vi" else self.note_en

    def sorted_by(self, key: str | None, *, descending: bool) -> Table:
        if key not in {c.key for c in self.columns}:
            return self

        def sort_key(row: dict[str, Any]) -> tuple[int, Any]:
            value = row.get(key)
            if isinstance(value, str):
                return (0, vietnamese_sort_key(value))
            # Empty cells last whichever the direction.
            return (0, value) if value is not None else (1, 0)

        present = [r for r in self.rows if r.get(key) is not None]
        missing = [r for r in self.rows if r.get(key) is None]
        ordered = sorted(present, key=sort_key, reverse=descending) + missing
        return replace(self, rows=tuple(ordered))

    def cells(self, row: dict[str, Any]) -> list[Any]:
        return [row.get(c.key) for c in self.columns]


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "vi" else pair[1]


_BREAKDOWN_COLUMNS = (
    Column("population", "Trong danh bạ", "In register"),
    Column("adopted", "Danh bạ đã đăng ký", "Register entries registered"),
    Column("adoption_rate", "Tỷ lệ tham gia (%)", "Adoption rate (%)", "percent"),
    Column("registered", "Đăng ký", "Registered"),
    Column("verified", "Đã xác minh", "Verified"),
    Column("active", "Đang dán nhãn", "Actively labelling"),
    Column("products", "Sản phẩm", "Products"),
    Column("labels", "Nhãn phát hành", "Labels issued"),
    Column("scans", "Lượt quét", "Scans"),
)
_DIMENSIONS: dict[str, tuple[str, str, str, str]] = {
    "ward": ("Theo phường/xã", "By ward", "Phường/xã", "Ward"),
    "sector": ("Theo ngành", "By sector", "Ngành", "Sector"),
    "kind": ("Theo loại hình", "By enterprise type", "Loại hình", "Type"),
}


def breakdown_table(session: Session, snapshot: Snapshot, *, by: str, lang: str) -> Table:
    rows = ind.breakdown(snapshot, by=by)
    names = unit_names(session, {r["key"] for r in rows if r["key"]}) if by == "ward" else {}
    for row in rows:
        key = row["key"]
        if key is None:
            row["label"] = _pick(UNKNOWN_LABEL, lang)
        elif by == "ward":
            row["label"] = names.get(key, key)
        elif by == "kind":
            row["label"] = _pick(KIND_LABELS.get(key, (key, key)), lang)
        else:
            row["label"] = key
    for row in rows:
        if not row["population"]:
            # No register entries to compare with: a share of nothing, not 0 %.
            row["adoption_rate"] = None
    rows.sort(key=lambda r: (-r["registered"], -r["population"], vietnamese_sort_key(r["label"])))
    title_vi, title_en, head_vi, head_en = _DIMENSIONS[by]
    return Table(
        name=f"by_{by}",
        title_vi=title_vi,
        title_en=title_en,
        columns=(Column("label", head_vi, head_en, "text"), *_BREAKDOWN_COLUMNS),
        rows=tuple(rows),
        note_vi="Số lượt quét, sản phẩm, nhãn tính theo phường/xã, ngành, loại hình của doanh "
        "nghiệp; số trong danh bạ theo thông tin của danh bạ.",
        note_en="Scans, products and labels follow the enterprise's ward, sector and type; "
        "register counts follow the register's own entry.",
    )


def monthly_table(session: Session, snapshot: Snapshot) -> Table:
    return Table(
        name="monthly",
        title_vi="Theo tháng",
        title_en="By month",
        columns=(
            Column("month", "Tháng", "Month", "month"),
            Column("new_registered", "Đăng ký mới", "New registrations"),
            Column("verified", "Được xác minh", "Verified"),
            Column("new_products", "Sản phẩm mới", "New products"),
            Column("labels", "Nhãn phát hành", "Labels issued"),
            Column("scans", "Lượt quét", "Scans"),
        ),
        rows=tuple(ind.monthly(session, snapshot)),
    )


def top_products_table(session: Session, snapshot: Snapshot, *, lang: str) -> Table:
    rows = ind.top_products(session, snapshot.period, snapshot.filters)
    for row in rows:
        row["name"] = (row["name_vi"] if lang == "vi" else row["name_en"]) or _pick(
            VERDICT_LABELS["not_registered"], lang
        )
    return Table(
        name="top_products",
        title_vi="Sản phẩm được quét nhiều nhất",
        title_en="Most scanned products",
        columns=(
            Column("rank", "Hạng", "Rank"),
            Column("gtin", "GTIN", "GTIN", "text"),
            Column("name", "Sản phẩm", "Product", "text"),
            Column("enterprise", "Doanh nghiệp", "Enterprise", "text"),
            Column("scans", "Lượt quét", "Scans"),
            Column("warnings", "Lượt có cảnh báo", "Scans with a warning"),
        ),
        rows=tuple(rows),
    )


def places_table(session: Session, snapshot: Snapshot, *, lang: str) -> Table:
    rows = ind.scans_by_place(session, snapshot.period)
    names = unit_names(
        session,
        {r["ward_code"] for r in rows if r["ward_code"]}
        | {r["province_code"] for r in rows if r["province_code"]},
    )
    unknown = _pick(UNKNOWN_LABEL, lang)
    for row in rows:
        row["province"] = names.get(row["province_code"] or "", row["province_code"] or unknown)
        row["ward"] = names.get(row["ward_code"] or "", row["ward_code"] or "")
    rows.sort(key=lambda r: (-r["scans"], r["province"], r["ward"]))
    return Table(
        name="places",
        title_vi="Lượt quét theo nơi quét",
        title_en="Scans by place",
        columns=(
            Column("province", "Tỉnh/thành", "Province", "text"),
            Column("ward", "Phường/xã", "Ward", "text"),
            Column("scans", "Lượt quét", "Scans"),
        ),
        rows=tuple(rows),
        note_vi="Nơi quét chỉ được biết khi người tiêu dùng đồng ý chia sẻ; bảng này không áp "
        "dụng bộ lọc phường/xã, ngành, loại hình.",
        note_en="The place is known only when the consumer chose to share it; this table "
        "ignores the ward, sector and type filters.",
    )


def verdicts_table(session: Session, snapshot: Snapshot, *, lang: str) -> Table:
    counts = ind.scans_by_verdict(session, snapshot.period)
    total = sum(counts.values())
    rows = [
        {
            "verdict": verdict,
            "label": _pick(VERDICT_LABELS.get(verdict, (verdict, verdict)), lang),
            "scans": n,
            "share": round(n / total * 100, 1) if total else 0.0,
        }
        for verdict, n in sorted(counts.items(), key=lambda item: -item[1])
    ]
    return Table(
        name="verdicts",
        title_vi="Lượt quét theo kết quả",
        title_en="Scans by verdict",
        columns=(
            Column("label", "Kết quả", "Verdict", "text"),
            Column("scans", "Lượt quét", "Scans"),
            Column("share", "Tỷ lệ (%)", "Share (%)", "percent"),
        ),
        rows=tuple(rows),
        note_vi="Mọi lượt quét trong tỉnh; bảng này không áp dụng bộ lọc.",
        note_en="Every scan in the province; this table ignores the filters.",
    )


def indicators_table(session: Session, snapshot: Snapshot, *, lang: str) -> Table:
    rows = []
    found = ind.indicators(session, snapshot)
    register = next(i for i in found if i.key == "population")
    for indicator in found:
        name_vi, name_en, def_vi, def_en = ind.DEFINITIONS[indicator.key]
        value: float | None = indicator.value
        previous, change, missing = indicator.previous, indicator.change, None
        if indicator.key in REGISTER_SHARES:
            # Shares of the business register mean nothing until one is loaded.
            if not register.value:
                value, change, missing = None, None, _pick(NO_REGISTER, lang)
            if not register.previous:
                previous, change = None, None
        rows.append(
            {
                "key": indicator.key,
                "name": name_vi if lang == "vi" else name_en,
                "value": value,
                "previous": previous,
                "change": None if change is None else round(change, 1),
                "percent": indicator.percent,
                "definition": def_vi if lang == "vi" else def_en,
                "missing": missing,
            }
        )
    return Table(
        name="indicators",
        title_vi="Chỉ tiêu",
        title_en="Indicators",
        columns=(
            Column("name", "Chỉ tiêu", "Indicator", "text"),
            Column("value", "Kỳ này", "This period"),
            Column("previous", "Kỳ trước", "Previous period"),
            Column(
                "change",
                "Thay đổi (% hoặc điểm phần trăm)",
                "Change (% or percentage points)",
                "percent",
            ),
            Column("definition", "Định nghĩa", "Definition", "text"),
        ),
        rows=tuple(rows),
    )


TABLE_NAMES = (
    "indicators",
    "monthly",
    "by_ward",
    "by_sector",
    "by_kind",
    "top_products",
    "places",
    "verdicts",
)


def build_table(session: Session, snapshot: Snapshot, name: str, *, lang: str) -> Table:
    if name == "indicators":
        return indicators_table(session, snapshot, lang=lang)
    if name == "monthly":
        return monthly_table(session, snapshot)
    if name.startswith("by_") and name[3:] in _DIMENSIONS:
        return breakdown_table(session, snapshot, by=name[3:], lang=lang)
    if name == "top_products":
        return top_products_table(session, snapshot, lang=lang)
    if name == "places":
        return places_table(session, snapshot, lang=lang)
    if name == "verdicts":
        return verdicts_table(session, snapshot, lang=lang)
    raise KeyError(name)
