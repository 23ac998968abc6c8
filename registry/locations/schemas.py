"""Locations (GLNs) in and out of the API."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from registry.locations.models import LocationKind
from registry.schemas import Id, In, Latitude, Longitude, Out, kept


class LocationIn(In):
    enterprise_id: Id | None = None
    gln: str | None = Field(
        default=None, max_length=32, description="Leave out to allocate the next GLN"
    )
    name: str = Field(min_length=1, max_length=300)
    kind: LocationKind
    address: str = Field(default="", max_length=500)
    ward_code: str | None = Field(default=None, max_length=16)
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class LocationPatch(In):
    model_config = ConfigDict(extra="forbid")
    name: str = kept(max_length=300)
    kind: LocationKind = kept()
    address: str = kept(max_length=500)
    ward_code: str | None = Field(default=None, max_length=16)
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class LocationOut(Out):
    id: int
    enterprise_id: int
    gln: str
    name: str
    kind: LocationKind
    address: str
    ward_code: str | None
    latitude: float | None
    longitude: float | None
