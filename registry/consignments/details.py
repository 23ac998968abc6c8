"""What a consignment says besides its lots: importer, treatment, lab results, seals.

Each is checked here (the API, the portal form and the demo share the checks) and
written into the shipping event as extension fields of this registry's namespace
(`tx:`, README: EPCIS extension terms; docs/export.md lists them)."""

from __future__ import annotations

import enum
import gettext
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, Final

import pycountry

from registry.errors import InvalidInput
from registry.text import text_problem


class TreatmentKind(enum.StrEnum):
    none = "none"
    irradiation = "irradiation"
    vapour_heat = "vapour_heat"
    fumigation = "fumigation"


TREATMENT_NAMES: Final = {
    TreatmentKind.none: ("Không xử lý", "No treatment"),
    TreatmentKind.irradiation: ("Chiếu xạ", "Irradiation"),
    TreatmentKind.vapour_heat: ("Xử lý hơi nước nóng", "Vapour heat"),
    TreatmentKind.fumigation: ("Xông hơi", "Fumigation"),
}
# Phytosanitary irradiation doses are a few hundred gray (ISPM 28 annexes: 150-400 Gy);
# food irradiation stays under 10 kGy (Codex STAN 106-1983).
MAX_DOSE_GY: Final = Decimal(10_000)
# Vapour heat raises the fruit core to about 46-48 °C (ISPM 28 PT 31 and others).
VAPOUR_HEAT_C: Final = (Decimal(30), Decimal(60))
MAX_TREATMENT_MINUTES: Final = 7 * 24 * 60


def text_field(value: str, field: str, *, longest: int, required: bool = True) -> str:
    """The text trimmed, refused when empty (if required), too long or with controls."""
    text = value.strip()
    if required and not text:
        raise InvalidInput("Cần nhập trường này.", "This field is required.", field=field)
    problem = text_problem(field, text, max_length=longest)
    if problem is not None:
        raise InvalidInput(problem.message_vi, problem.message_en, field=field)
    return text


@cache
def _country_codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


def country_code(value: str, field: str) -> str:
    code = value.strip().upper()
    if code not in _country_codes():
        raise InvalidInput(
            "Mã nước theo ISO 3166-1 gồm 2 chữ cái, ví dụ CN (Trung Quốc), AU (Úc).",
            "A country is its ISO 3166-1 two-letter code, e.g. CN (China), AU (Australia).",
            field=field,
        )
    return code


@cache
def _vietnamese_names() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["vi"], fallback=True)


def country_name(code: str, lang: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    name: str = getattr(country, "common_name", None) or country.name
    if lang == "vi":
        return _vietnamese_names().gettext(country.name)
    return name


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class Importer:
    name: str
    country: str
    address: str = ""

    @classmethod
    def checked(cls, name: str, country: str, address: str = "") -> Importer:
        return cls(
            text_field(name, "importer_name", longest=200),
            country_code(country, "importer_country"),
            text_field(address, "importer_address", longest=300, required=False),
        )

    def as_extension(self) -> dict[str, str]:
        details = {"tx:name": self.name, "tx:country": self.country, "tx:address": self.address}
        return {key: value for key, value in details.items() if value}


@dataclass(frozen=True)
class Treatment:
    """A phytosanitary treatment as data: its kind and the measures that kind needs."""

    kind: TreatmentKind = TreatmentKind.none
    dose_gy: Decimal | None = None
    temperature_c: Decimal | None = None
    duration_minutes: int | None = None
    agent: str | None = None
    concentration_g_m3: Decimal | None = None

    def checked(self) -> Treatment:
        kind = self.kind
        if kind is TreatmentKind.none:
            return Treatment()
        if kind is TreatmentKind.irradiation:
            if self.dose_gy is None or not Decimal(0) < self.dose_gy <= MAX_DOSE_GY:
                raise InvalidInput(
                    f"Chiếu xạ cần liều hấp thụ (Gy), lớn hơn 0 và tối đa {MAX_DOSE_GY}.",
                    f"Irradiation needs the absorbed dose (Gy), above 0 and at most {MAX_DOSE_GY}.",
                    field="dose_gy",
                )
            return Treatment(kind, dose_gy=self.dose_gy)
        minutes = self._minutes()
        if kind is TreatmentKind.vapour_heat:
            low, high = VAPOUR_HEAT_C
            if self.temperature_c is None or not low <= self.temperature_c <= high:
                raise InvalidInput(
                    f"Xử lý hơi nước nóng cần nhiệt độ (°C) từ {low} đến {high}.",
                    f"Vapour heat needs the temperature (°C), from {low} to {high}.",
                    field="temperature_c",
                )
            return Treatment(kind, temperature_c=self.temperature_c, duration_minutes=minutes)
        agent = text_field(self.agent or "", "agent", longest=100)
        concentration = self.concentration_g_m3
        if concentration is not None and not Decimal(0) < concentration <= 1000:
            raise InvalidInput(
                "Nồng độ (g/m³) phải lớn hơn 0 và tối đa 1000.",
                "The concentration (g/m³) must be above 0 and at most 1000.",
                field="concentration_g_m3",
            )
        return Treatment(
            kind, duration_minutes=minutes, agent=agent, concentration_g_m3=concentration
        )

    def _minutes(self) -> int:
        if self.duration_minutes is None or not 1 <= self.duration_minutes <= (
            MAX_TREATMENT_MINUTES
        ):
            raise InvalidInput(
                f"Cần thời gian xử lý (phút), từ 1 đến {MAX_TREATMENT_MINUTES}.",
                f"The treatment time (minutes) is needed, from 1 to {MAX_TREATMENT_MINUTES}.",
                field="duration_minutes",
            )
        return self.duration_minutes

    def as_data(self) -> dict[str, Any]:
        """What the consignment row keeps (decimals as text, exactly as given)."""
        data: dict[str, Any] = {"kind": self.kind.value}
        for name in ("dose_gy", "temperature_c", "concentration_g_m3"):
            value = getattr(self, name)
            if value is not None:
                data[name] = f"{value.normalize():f}"
        if self.duration_minutes is not None:
            data["duration_minutes"] = self.duration_minutes
        if self.agent:
            data["agent"] = self.agent
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Treatment:
        def measure(name: str) -> Decimal | None:
            return Decimal(data[name]) if name in data else None

        return cls(
            TreatmentKind(data.get("kind", "none")),
            dose_gy=measure("dose_gy"),
            temperature_c=measure("temperature_c"),
            duration_minutes=data.get("duration_minutes"),
            agent=data.get("agent"),
            concentration_g_m3=measure("concentration_g_m3"),
        )

    def summary(self, lang: str) -> str:
        """The treatment in words: "Chiếu xạ, 400 Gy", "Vapour heat, 47.5 °C, 20 min"."""
        vi = lang == "vi"
        parts = [TREATMENT_NAMES[self.kind][0 if vi else 1]]
        for value, unit in (
            (self.dose_gy, "Gy"),
            (self.temperature_c, "°C"),
            (self.concentration_g_m3, "g/m³"),
        ):
            if value is not None:
                number = f"{value.normalize():f}"
                parts.append(f"{number.replace('.', ',') if vi else number} {unit}")
        if self.agent:
            parts.append(self.agent)
        if self.duration_minutes is not None:
            parts.append(f"{self.duration_minutes} {'phút' if vi else 'min'}")
        return ", ".join(parts)

    def as_extension(self) -> dict[str, Any]:
        extension: dict[str, Any] = {"tx:kind": self.kind.value}
        for name, term in (
            ("dose_gy", "tx:doseGy"),
            ("temperature_c", "tx:temperatureCelsius"),
            ("concentration_g_m3", "tx:concentrationGramsPerCubicMetre"),
        ):
            value = getattr(self, name)
            if value is not None:
                extension[term] = _number(value)
        if self.duration_minutes is not None:
            extension["tx:durationMinutes"] = self.duration_minutes
        if self.agent:
            extension["tx:agent"] = self.agent
        return extension


@dataclass(frozen=True)
class LabResult:
    lab: str
    report_number: str
    analyte: str
    result: str
    limit: str
    passed: bool

    def checked(self, row: int) -> LabResult:
        def text(name: str, longest: int, *, required: bool = True) -> str:
            return text_field(
                getattr(self, name), f"lab_{name}_{row}", longest=longest, required=required
            )

        return LabResult(
            text("lab", 200),
            text("report_number", 64),
            text("analyte", 200),
            text("result", 64),
            text("limit", 64, required=False),
            self.passed,
        )

    def as_data(self) -> dict[str, Any]:
        return {
            "lab": self.lab,
            "report_number": self.report_number,
            "analyte": self.analyte,
            "result": self.result,
            "limit": self.limit,
            "passed": self.passed,
        }

    def as_extension(self) -> dict[str, Any]:
        extension: dict[str, Any] = {
            "tx:lab": self.lab,
            "tx:reportNumber": self.report_number,
            "tx:analyte": self.analyte,
            "tx:result": self.result,
        }
        if self.limit:
            extension["tx:limit"] = self.limit
        extension["tx:passed"] = self.passed
        return extension
