"""Imports every domain's tables so that metadata is complete (migrations, tests)."""

from registry.accounts.models import ApiKey, User
from registry.audit.models import AuditEntry
from registry.certificates.models import Certificate
from registry.consignments.models import Consignment, ConsignmentLot
from registry.db import Base
from registry.enterprises.models import Enterprise, IdentityChange
from registry.events.models import (
    CaptureJob,
    EpcisEvent,
    EventEpc,
    EventFlag,
    EventParty,
    TraceLink,
)
from registry.gpc.models import GpcCategory
from registry.links.models import ResolverLink
from registry.locations.models import Location
from registry.lots.models import Lot
from registry.market_codes.models import (
    GuardRefusal,
    MarketApproval,
    MarketCode,
    MarketCodeChange,
    YieldCeiling,
)
from registry.places.models import AdminUnit
from registry.population.models import PopulationEntry
from registry.prefixes.models import CompanyPrefix, PrefixRequest
from registry.print_runs.models import LabelRun
from registry.products.models import Product
from registry.recalls.models import Recall
from registry.reports.models import ConsumerReport
from registry.reports.triage import ReportTriage
from registry.scans.models import Scan, SerialScanDay, SerialScanSource
from registry.stats.models import (
    ScanMonthEnterprise,
    ScanMonthEnterprisePlace,
    ScanMonthPlace,
    ScanPeriodEnterprise,
    ScanPeriodProduct,
)
from registry.subscriptions.models import DeadLetter, NamedQuery, Subscription

__all__ = [
    "AdminUnit",
    "ApiKey",
    "AuditEntry",
    "Base",
    "CaptureJob",
    "Certificate",
    "CompanyPrefix",
    "Consignment",
    "ConsignmentLot",
    "ConsumerReport",
    "DeadLetter",
    "Enterprise",
    "EpcisEvent",
    "EventEpc",
    "EventFlag",
    "EventParty",
    "GpcCategory",
    "GuardRefusal",
    "IdentityChange",
    "LabelRun",
    "Location",
    "Lot",
    "MarketApproval",
    "MarketCode",
    "MarketCodeChange",
    "NamedQuery",
    "PopulationEntry",
    "PrefixRequest",
    "Product",
    "Recall",
    "ReportTriage",
    "ResolverLink",
    "Scan",
    "ScanMonthEnterprise",
    "ScanMonthEnterprisePlace",
    "ScanMonthPlace",
    "ScanPeriodEnterprise",
    "ScanPeriodProduct",
    "SerialScanDay",
    "SerialScanSource",
    "Subscription",
    "TraceLink",
    "User",
    "YieldCeiling",
]
