"""`truyxuat scan`: check every code in inspectors' photos against the registry.

Exit status: 0 when every code checked is fine, 1 when the registry's verdict on any is
red (a fake label, a recall, an invalid code: docs/verdicts.md), 3 when some could not be
checked because the server did not answer (and none failed).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import click

from scanner_client.client import (
    ResolverClient,
    ResolverUnavailable,
    Verification,
    local_verdict,
)
from scanner_client.decode import DecodedCode, DecodeError, decode_many
from scanner_client.interpret import (
    Interpretation,
    Kind,
    ResolverConfig,
    interpret_code,
)

# The registry's own default TRUYXUAT_BASE_URL: what `truyxuat serve` answers on.
LOCAL_REGISTRY = "http://127.0.0.1:8000"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".avif"})
EXIT_FAILING = 1
EXIT_UNCHECKED = 3
CSV_COLUMNS = [
    "file",
    "symbology",
    "text",
    "gs1",
    "kind",
    "gtin",
    "lot",
    "serial",
    "expiry_on",
    "untrusted_domain",
    "verdict",
    "verdict_vi",
    "verdict_en",
    "product",
    "message_vi",
    "message_en",
]
NO_CODE = ("Không tìm thấy mã vạch nào trong ảnh.", "No barcode found in the image.")
TEXT_WIDTH = 64


@dataclass
class CodeReport:
    code: DecodedCode
    interpretation: Interpretation
    verification: Verification

    def as_dict(self) -> dict[str, Any]:
        return {
            "symbology": self.code.symbology,
            "text": self.code.text,
            "gs1": self.code.gs1,
            "interpretation": self.interpretation.as_dict(),
            "verdict": self.verification.as_dict(),
        }


@dataclass
class ImageReport:
    file: Path
    codes: list[CodeReport] = field(default_factory=list)
    error: DecodeError | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"file": str(self.file), "codes": [c.as_dict() for c in self.codes]}
        if self.error is not None:
            data["error"] = {"vi": self.error.message_vi, "en": self.error.message_en}
        return data


def image_files(paths: Iterable[Path]) -> list[Path]:
    """Files named on the command line, and the image files anywhere under named folders."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                )
            )
        else:
            files.append(path)
    return files


class _Verifier:
    """Asks the server once per distinct code in a run."""

    def __init__(self, client: ResolverClient | None) -> None:
        self._client = client
        self._seen: dict[str, Verification] = {}

    def __call__(self, interpretation: Interpretation) -> Verification:
        uri = interpretation.resolver_url
        if uri is None:
            return local_verdict(interpretation)
        if self._client is None:
            return Verification("not_checked", uri)
        if uri not in self._seen:
            try:
                self._seen[uri] = self._client.verify(interpretation)
            except ResolverUnavailable as error:
                return Verification(
                    "unreachable", uri, messages=((error.message_vi, error.message_en),)
                )
        return self._seen[uri]


def _reports(
    files: list[Path], *, config: ResolverConfig, verify: _Verifier, time_budget: float
) -> Iterator[ImageReport]:
    for path, result in decode_many(files, time_budget=time_budget):
        report = ImageReport(Path(path))
        if isinstance(result, DecodeError):
            report.error = result
        else:
            for code in result:
                interpretation = interpret_code(code, config=config)
                report.codes.append(CodeReport(code, interpretation, verify(interpretation)))
        yield report


@click.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per image, one per line.")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write one row per code to this CSV file.",
)
@click.option(
    "--server",
    envvar=["TRUYXUAT_RESOLVER_URL", "TRUYXUAT_BASE_URL"],
    default=LOCAL_REGISTRY,
    show_default=True,
    help="The registry's resolver to ask; else $TRUYXUAT_RESOLVER_URL, else $TRUYXUAT_BASE_URL.",
)
@click.option(
    "--trust",
    "trusted_domains",
    multiple=True,
    help="Another resolver domain to trust (besides the server's and id.gs1.org).",
)
@click.option("--no-resolve", is_flag=True, help="Decode and interpret only; ask no server.")
@click.option(
    "--time-budget", type=float, default=2.0, show_default=True, help="Seconds per image."
)
def scan(
    paths: tuple[Path, ...],
    as_json: bool,
    csv_path: Path | None,
    server: str,
    trusted_domains: tuple[str, ...],
    no_resolve: bool,
    time_budget: float,
) -> None:
    """Quét mã trong ảnh và kiểm tra với hệ thống / Check the codes in photos.

    PATH may be image files or folders (searched recursively for images).
    """
    files = image_files(paths)
    client = None if no_resolve else ResolverClient(server, trusted_domains=trusted_domains)
    config = ResolverConfig(server, trusted_domains)
    reports: list[ImageReport] = []
    try:
        stream = _reports(files, config=config, verify=_Verifier(client), time_budget=time_budget)
        if any(path.is_dir() for path in paths):
            with click.progressbar(
                stream, length=len(files), label="Đang quét / Scanning", file=sys.stderr
            ) as bar:
                reports = _emit(bar, as_json=as_json)
        else:
            reports = _emit(stream, as_json=as_json)
    finally:
        if client is not None:
            client.close()
    if not as_json:
        _print_table(reports)
    if csv_path is not None:
        with csv_path.open("w", newline="", encoding="utf-8-sig") as handle:
            write_csv(reports, handle)
    verdicts = [c.verification for r in reports for c in r.codes]
    if any(v.failing for v in verdicts):
        sys.exit(EXIT_FAILING)
    if any(v.verdict == "unreachable" for v in verdicts):
        sys.exit(EXIT_UNCHECKED)


def _emit(reports: Iterable[ImageReport], *, as_json: bool) -> list[ImageReport]:
    done = []
    for report in reports:
        if as_json:
            click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        done.append(report)
    return done


def _shorten(text: str, width: int = TEXT_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_table(reports: list[ImageReport]) -> None:
    rows: list[tuple[str, str, str, str]] = []
    notes: list[str] = []
    for report in reports:
        name = report.file.name
        if report.error is not None:
            rows.append((name, "-", "-", f"{report.error.message_vi} / {report.error.message_en}"))
            continue
        if not report.codes:
            rows.append((name, "-", "-", f"{NO_CODE[0]} / {NO_CODE[1]}"))
        for item in report.codes:
            vi, en = item.verification.label
            meaning = item.interpretation
            shown = item.code.text if meaning.kind is Kind.gtin else meaning.element_string
            shown = shown or item.code.text
            rows.append((name, item.code.symbology, _shorten(shown), f"{vi} / {en}"))
            problems = [*item.interpretation.errors, *item.interpretation.notes]
            for problem in problems:
                notes.append(f"{name}: {problem.message_vi} / {problem.message_en}")
            advice = item.verification.advice
            if advice is not None and item.verification.colour != "green":
                notes.append(f"{name}: {advice[0]} / {advice[1]}")
    header = ("Tệp / File", "Loại / Type", "Mã / Code", "Kết luận / Verdict")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        click.echo("  ".join([*cells, row[3]]))
    for note in notes:
        click.echo(f"! {note}")


def write_csv(reports: list[ImageReport], handle: TextIO) -> None:
    writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for report in reports:
        if report.error is not None or not report.codes:
            vi, en = (report.error.message_vi, report.error.message_en) if report.error else NO_CODE
            writer.writerow({"file": str(report.file), "message_vi": vi, "message_en": en})
        for item in report.codes:
            meaning, verdict = item.interpretation, item.verification
            messages = [(p.message_vi, p.message_en) for p in (*meaning.errors, *meaning.notes)]
            messages.extend(verdict.messages)
            writer.writerow(
                {
                    "file": str(report.file),
                    "symbology": item.code.symbology,
                    "text": item.code.text,
                    "gs1": item.code.gs1,
                    "kind": meaning.kind.value,
                    "gtin": meaning.gtin or "",
                    "lot": meaning.lot or "",
                    "serial": meaning.serial or "",
                    "expiry_on": meaning.expiry_on.isoformat() if meaning.expiry_on else "",
                    "untrusted_domain": meaning.untrusted_domain,
                    "verdict": verdict.verdict,
                    "verdict_vi": verdict.label[0],
                    "verdict_en": verdict.label[1],
                    "product": verdict.product_name or "",
                    "message_vi": " | ".join(vi for vi, _ in messages),
                    "message_en": " | ".join(en for _, en in messages),
                }
            )
