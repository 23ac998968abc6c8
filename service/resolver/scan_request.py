"""A request on the scan path, read once: the Digital Link it names, the door it came
in by (the resolver's own paths or the consumer's page), and what answering it needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from starlette.requests import Request

from registry.db import utcnow
from registry.gs1 import DigitalLink
from registry.resolution.verdict import ResolverCaches
from registry.scans.recorder import ScanRecorder
from registry.scans.service import Thresholds
from registry.settings import Settings
from service.resolver.lifecycle import resolver_caches, scan_recorder
from service.resolver.linkset import LINKSET_MEDIA_TYPE
from service.state import AppState

LINKSET_REQUESTS = ("linkset", "all")


@dataclass(frozen=True, slots=True)
class ScanRequest:
    request: Request
    link: DigitalLink
    on_page: bool
    settings: Settings
    thresholds: Thresholds
    recorder: ScanRecorder
    caches: ResolverCaches
    at: dt.datetime
    # Asked for every link in force rather than a redirect to one (?linkType=linkset,
    # or the linkset media type in Accept).
    wants_linkset: bool

    @classmethod
    def of(cls, request: Request, link: DigitalLink, *, on_page: bool) -> ScanRequest:
        state: AppState = request.app.state.truyxuat
        return cls(
            request=request,
            link=link,
            on_page=on_page,
            settings=state.settings,
            thresholds=Thresholds.of(state.settings),
            recorder=scan_recorder(request),
            caches=resolver_caches(request),
            at=utcnow(),
            wants_linkset=_wants_linkset(request, link),
        )

    @property
    def link_type_asked(self) -> str | None:
        return _link_type_asked(self.link)

    @property
    def counted(self) -> bool:
        """A scan to count and record: a GET asking the resolver for a redirect. The
        consumer's page it leads to is the same scan, not a second one."""
        return not self.on_page and self.request.method == "GET" and not self.wants_linkset


def _link_type_asked(link: DigitalLink) -> str | None:
    return next((value for name, value in link.other_params if name == "linkType"), None)


def _wants_linkset(request: Request, link: DigitalLink) -> bool:
    asked = _link_type_asked(link)
    if asked is not None:
        return asked in LINKSET_REQUESTS
    return LINKSET_MEDIA_TYPE in request.headers.get("accept", "")
