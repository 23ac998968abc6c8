"""Ask the registry's resolver what a scanned code is: verdict, product, linkset.

Connection errors, 5xx and 429 answers are retried with exponential backoff, within a
bounded number of attempts and a bounded total time. Scans that must be reported but
cannot be sent wait in an OfflineQueue until `flush()`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx

from scanner_client.interpret import (
    DEFAULT_RESOLVER,
    Interpretation,
    Kind,
    ResolverConfig,
    interpret,
)
from scanner_client.queue import OfflineQueue

VERIFY_PATH = "/api/v1/verify"
LINKSET_MEDIA_TYPE = "application/linkset+json"
USER_AGENT = "truyxuat-scanner/0.1 (+https://truyxuat.dongthap.gov.vn)"
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})

# The registry's verdicts come with their own wording and colour (its verdict table,
# docs/verdicts.md); these are the ones this client gives itself, for codes it does not
# send anywhere or could not send.
LOCAL_VERDICT_LABELS: dict[str, tuple[str, str]] = {
    "invalid": ("Mã GS1 không hợp lệ", "Invalid GS1 code"),
    "not_registered": ("Chưa đăng ký trong hệ thống", "Not registered"),
    "not_gs1": ("Không phải mã GS1", "Not a GS1 code"),
    "phishing": ("Địa chỉ web lạ, có thể lừa đảo", "Unknown website, possible phishing"),
    "unreachable": ("Không liên lạc được máy chủ", "Server unreachable"),
    "not_checked": ("Chưa kiểm tra", "Not checked"),
}
# What an inspector must act on: the registry's red verdicts (a fake label, a recall).
FAILING_COLOUR = "red"


class ResolverUnavailable(Exception):
    """The resolver did not answer usefully within the attempts and time allowed."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.message_vi = f"Không liên lạc được máy chủ tra cứu ({detail})."
        self.message_en = f"The resolver could not be reached ({detail})."


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    first_delay: float = 0.25
    max_delay: float = 4.0
    total_seconds: float = 15.0

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1-based)."""
        return min(self.first_delay * 2.0 ** (retry - 1), self.max_delay)


@dataclass(frozen=True)
class Verification:
    verdict: str
    uri: str | None
    body: dict[str, Any] = field(default_factory=dict)
    """The server's JSON answer (verdict, product, lot, serial, links ...)."""
    messages: tuple[tuple[str, str], ...] = ()
    """(vi, en) explanations, for verdicts without a server answer or with problems."""

    @property
    def colour(self) -> str | None:
        """The registry's colour for the verdict (green, amber, red, grey), if it gave one."""
        colour = self.body.get("colour")
        return str(colour) if colour else None

    @property
    def failing(self) -> bool:
        return self.colour == FAILING_COLOUR

    @property
    def label(self) -> tuple[str, str]:
        headline = self.body.get("headline")
        if isinstance(headline, dict):
            return str(headline.get("vi", "")), str(headline.get("en", ""))
        return LOCAL_VERDICT_LABELS.get(self.verdict, (self.verdict, self.verdict))

    @property
    def advice(self) -> tuple[str, str] | None:
        advice = self.body.get("advice")
        if isinstance(advice, dict):
            return str(advice.get("vi", "")), str(advice.get("en", ""))
        return None

    @property
    def product_name(self) -> str | None:
        product = self.body.get("product") or {}
        name = product.get("name_vi")
        return str(name) if name else None

    @property
    def consumer_page(self) -> str | None:
        page = self.body.get("consumer_page")
        return str(page) if page else None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "verdict": self.verdict,
            "colour": self.colour,
            "label_vi": self.label[0],
            "label_en": self.label[1],
            "uri": self.uri,
        }
        if self.body:
            data["server"] = self.body
        if self.messages:
            data["messages"] = [{"vi": vi, "en": en} for vi, en in self.messages]
        return data


@dataclass(frozen=True)
class FlushResult:
    sent: int
    dropped: int
    """Queued codes the server refused as invalid: they could never be sent."""
    remaining: int


def local_verdict(interpretation: Interpretation) -> Verification:
    """The verdict of a code no server is asked about (no resolver_url)."""
    messages = tuple((e.message_vi, e.message_en) for e in interpretation.errors)
    if interpretation.kind is Kind.phishing:
        return Verification("phishing", None, messages=messages)
    if interpretation.kind is Kind.not_gs1:
        return Verification("not_gs1", None, messages=messages)
    return Verification("invalid", None, messages=messages)


class ResolverClient:
    def __init__(
        self,
        base_url: str = DEFAULT_RESOLVER,
        *,
        trusted_domains: tuple[str, ...] = (),
        timeout: float = 5.0,
        retry: RetryPolicy | None = None,
        queue: OfflineQueue | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = ResolverConfig(base_url, trusted_domains)
        self.retry = retry or RetryPolicy()
        self.queue = queue
        self._sleep = sleep
        self._http = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            transport=transport,
            headers={"user-agent": USER_AGENT},
        )

    def __enter__(self) -> ResolverClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _interpretation(self, target: Interpretation | str) -> Interpretation:
        return (
            target if isinstance(target, Interpretation) else interpret(target, config=self.config)
        )

    def verify(self, target: Interpretation | str, *, record: bool = False) -> Verification:
        """The registry's verdict on a code (its text or its interpretation).

        `record`: the request is a consumer's scan and is counted as one.
        Codes that are not GS1, or that point to an untrusted website, are not sent.
        Raises ResolverUnavailable when the server cannot be reached.
        """
        interpretation = self._interpretation(target)
        uri = interpretation.resolver_url
        if uri is None:
            return local_verdict(interpretation)
        params = {"uri": uri, **({"record": "1"} if record else {})}
        response = self._get(
            self.config.resolver_base + VERIFY_PATH,
            params=params,
            headers={"accept": "application/json"},
        )
        if response.status_code == 200:
            body = response.json()
            return Verification(str(body["verdict"]), uri, body)
        problem = _problem_body(response)
        messages = _problem_messages(problem)
        if response.status_code == 400:
            return Verification(str(problem.get("verdict", "invalid")), uri, problem, messages)
        if response.status_code == 404:
            return Verification("not_registered", uri, problem, messages)
        raise ResolverUnavailable(f"HTTP {response.status_code}")

    def scan(self, target: Interpretation | str) -> Verification | None:
        """Report a consumer scan and get its verdict; offline, queue it and return None."""
        interpretation = self._interpretation(target)
        try:
            return self.verify(interpretation, record=True)
        except ResolverUnavailable:
            if self.queue is None or interpretation.resolver_url is None:
                raise
            self.queue.add(interpretation.resolver_url)
            return None

    def flush(self) -> FlushResult:
        """Send queued scans, oldest first; stop at the first that cannot be sent."""
        if self.queue is None:
            return FlushResult(0, 0, 0)
        sent = dropped = 0
        for queued in self.queue.pending():
            try:
                result = self.verify(queued.uri, record=True)
            except ResolverUnavailable:
                break
            if result.verdict == "invalid":
                dropped += 1
            else:
                sent += 1
            self.queue.remove(queued.uri)
        return FlushResult(sent, dropped, len(self.queue))

    def linkset(self, target: Interpretation | str) -> dict[str, Any] | None:
        """The RFC 9264 linkset of the code on its trusted resolver; None if unknown there."""
        interpretation = self._interpretation(target)
        if interpretation.resolver_url is None:
            return None
        response = self._get(
            interpretation.resolver_url, headers={"accept": LINKSET_MEDIA_TYPE}, params={}
        )
        if response.status_code in (400, 404):
            return None
        if response.status_code != 200:
            raise ResolverUnavailable(f"HTTP {response.status_code}")
        linkset: dict[str, Any] = response.json()
        return linkset

    def _get(self, url: str, *, params: dict[str, str], headers: dict[str, str]) -> httpx.Response:
        started = time.monotonic()
        last = "no attempt"
        for attempt in range(1, self.retry.attempts + 1):
            wait: float | None = None
            try:
                response = self._http.get(url, params=params, headers=headers)
            except httpx.TransportError as error:
                last = type(error).__name__
            else:
                if response.status_code not in RETRYABLE_STATUS:
                    return response
                last = f"HTTP {response.status_code}"
                wait = _retry_after(response)
            if attempt == self.retry.attempts:
                break
            delay = max(self.retry.delay(attempt), wait or 0.0)
            if time.monotonic() - started + delay > self.retry.total_seconds:
                break
            self._sleep(delay)
        raise ResolverUnavailable(last)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds asked for by a Retry-After header (RFC 9110 §10.2.3), either form."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _problem_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _problem_messages(problem: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    vi, en = problem.get("message_vi"), problem.get("message_en")
    return ((str(vi), str(en)),) if vi and en else ()
