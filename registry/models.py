"""Imports every domain's tables so that metadata is complete (migrations, tests)."""

from registry.accounts.models import ApiKey, User
from registry.audit.models import AuditEntry
from registry.certificates.models import Certificate
from registry.db import Base
from registry.enterprises.models import Enterprise
from registry.labels.models import LabelRun
from registry.locations.models import Location
from registry.lots.models import Lot
from registry.places.models import AdminUnit
from registry.prefixes.models import CompanyPrefix
from registry.products.models import Product
from registry.recalls.models import Recall

__all__ = [
    "AdminUnit",
    "ApiKey",
    "AuditEntry",
    "Base",
    "Certificate",
    "CompanyPrefix",
    "Enterprise",
    "LabelRun",
    "Location",
    "Lot",
    "Product",
    "Recall",
    "User",
]
