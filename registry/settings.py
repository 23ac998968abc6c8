"""Configuration from the environment (TRUYXUAT_*)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("var") / "truyxuat.sqlite3"
# Published in the source: anyone could forge sessions signed with it.
DEVELOPMENT_SECRET_KEY = "dev-only-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRUYXUAT_", extra="ignore")

    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str = DEVELOPMENT_SECRET_KEY
    # "development" lets `serve` start with the published development secret key.
    env: str = "production"
    session_max_age_seconds: int = 8 * 3600
    # "fast": argon2id at its lowest cost, so test runs sign in quickly; `serve`
    # refuses it outside development.
    password_hash: Literal["argon2", "fast"] = "argon2"
    # A serial scanned from more distinct networks than this, and by more distinct
    # devices, within the window, is a suspicious copy (docs/scan-signals.md).
    suspicious_network_count: int = 3
    suspicious_device_count: int = 5
    suspicious_window_days: int = 30
    # Scans of one code from one network on one (UTC) day that statistics count; the
    # rest are stored but counted nowhere.
    counted_scans_per_network_day: int = 3
    # Who may say, in X-Forwarded-For, which client it forwards: addresses or CIDR
    # networks, comma-separated. Anyone else's X-Forwarded-For is ignored.
    trusted_proxies: str = "127.0.0.1,::1"
    # Requests per network (IPv4 /24, IPv6 /48), refilled evenly: see docs/verdicts.md.
    resolver_requests_per_minute: int = 300
    page_requests_per_minute: int = 300
    verify_requests_per_minute: int = 60
    reports_per_hour: int = 10
    scan_flush_interval_seconds: float = 0.5
    # "process": scan batches are written by a writer process of their own, off the
    # serving process's GIL; "thread": in a thread of the serving process.
    scan_writer: Literal["process", "thread"] = "process"
    log_json: bool = False
    # EPCIS capture bodies: 50,000 events (registry.events.capture.CAPTURE_LIMIT) take about 16 MB.
    epcis_max_body_bytes: int = 20 * 1024 * 1024
    # The most labels one print run may hold, and the most labels an enterprise may have
    # waiting to be rendered (recorded, not yet printed) across its runs.
    print_run_max_labels: int = 100_000
    print_queue_max_labels: int = 200_000
    # Print runs render in slices of about this many labels, taken in turn from each
    # enterprise with work waiting, so a small run never waits for another's large one.
    print_slice_labels: int = 500
    # A print run's page reloads itself this often while its labels render.
    print_run_refresh_seconds: Annotated[int, Field(ge=1)] = 2
    # EPCIS named queries and subscriptions (registry/subscriptions): how many each
    # enterprise (and the agency) may keep, how often due deliveries are looked for, the
    # first retry's wait (doubling after each failure) and the attempts before a batch is
    # kept as a dead letter. Webhooks go to public addresses only, unless their network
    # is listed here (CIDR, comma-separated).
    named_queries_max: int = 100
    subscriptions_max: int = 20
    subscription_poll_seconds: float = 1.0
    webhook_retry_seconds: float = 30.0
    webhook_max_attempts: int = 8
    webhook_allowed_networks: str = ""
    # Print-run outputs, uploaded images and other files the app writes.
    data_dir: Path = Path("var")
    # The agency's hotline, shown to shoppers on the consumer page ("" shows none).
    agency_hotline: Annotated[str, Field(max_length=20, pattern=r"^[0-9 +.()-]*$")] = ""

    @property
    def insecure_secret_key(self) -> bool:
        """The published development key (or none) outside a development environment."""
        unsafe = self.secret_key in ("", DEVELOPMENT_SECRET_KEY)
        return unsafe and self.env.strip().lower() != "development"

    @property
    def weak_password_hash(self) -> bool:
        return self.password_hash == "fast" and self.env.strip().lower() != "development"

    @property
    def public_base_url(self) -> str:
        return self.base_url.rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
