"""What an enterprise may do in each status: the one table every door asks.

The API, the portal, EPCIS capture, label jobs and the CLI each name the deed a
request would do and call `ensure_allows`; none of them decides on its own.
Agency staff are not bound by an enterprise's status (they act on it), except
that no one prints labels for an enterprise that may not print them.
docs/status-policy.md shows the table.
"""

from __future__ import annotations

import enum

from registry.enterprises.models import Enterprise, EnterpriseStatus
from registry.errors import Forbidden


class Deed(enum.StrEnum):
    """Something an enterprise (its users and API keys) does."""

    sign_in = "sign_in"
    read = "read"
    # The user's own password; taking access away: revoking its API keys, deactivating
    # its team members (giving access is `manage_team`).
    account = "account"
    edit_profile = "edit_profile"
    request_prefix = "request_prefix"
    # GTINs for products, GLNs for locations: codes under a granted prefix.
    issue_codes = "issue_codes"
    # Products, locations, certificates and resolver links once they exist.
    edit_catalogue = "edit_catalogue"
    record_lots = "record_lots"
    print_labels = "print_labels"
    # Traceability steps, EPCIS capture, pallets, recalls of its own lots, flags.
    record_events = "record_events"
    # Team members and API keys beyond the account sign-up gives, and reactivations.
    manage_team = "manage_team"


ALLOWED: dict[EnterpriseStatus, frozenset[Deed]] = {
    EnterpriseStatus.verified: frozenset(Deed),
    # Gets ready to be verified: a profile and a prefix request, nothing public.
    EnterpriseStatus.pending: frozenset(
        {Deed.sign_in, Deed.read, Deed.account, Deed.edit_profile, Deed.request_prefix}
    ),
    # Reads the agency's reason and corrects its profile; the agency may then verify it.
    EnterpriseStatus.rejected: frozenset(
        {Deed.sign_in, Deed.read, Deed.account, Deed.edit_profile}
    ),
    # Read-only through its API keys; its users cannot sign in.
    EnterpriseStatus.suspended: frozenset({Deed.read}),
}

STATUS_NAMES: dict[EnterpriseStatus, tuple[str, str]] = {
    EnterpriseStatus.pending: ("chờ xác minh", "pending"),
    EnterpriseStatus.verified: ("đã xác minh", "verified"),
    EnterpriseStatus.rejected: ("bị từ chối", "rejected"),
    EnterpriseStatus.suspended: ("bị đình chỉ", "suspended"),
}

# What to do about it, per status.
_NEXT_STEP: dict[EnterpriseStatus, tuple[str, str]] = {
    EnterpriseStatus.pending: (
        "Việc này chỉ làm được sau khi Chi cục xác minh doanh nghiệp: hãy hoàn thiện hồ sơ,"
        " xin cấp tiền tố mã và chờ cán bộ xác minh.",
        "This is possible once the agency has verified the enterprise: complete the profile,"
        " request a company prefix and wait for an officer.",
    ),
    EnterpriseStatus.rejected: (
        "Hãy sửa hồ sơ theo lý do Chi cục đưa ra rồi liên hệ Chi cục để được xét lại.",
        "Correct the profile as the agency's reason says, then contact the agency"
        " to have it reviewed again.",
    ),
    EnterpriseStatus.suspended: (
        "Trong thời gian đình chỉ chỉ được xem dữ liệu, không được thay đổi hay đăng nhập."
        " Hãy liên hệ Chi cục để được khôi phục.",
        "While suspended its data can only be read: no changes and no sign-in."
        " Contact the agency to be reinstated.",
    ),
}


class StatusRefused(Forbidden):
    slug = "enterprise-status"
    title = "Not allowed in the enterprise's status"


def allows(status: EnterpriseStatus, deed: Deed) -> bool:
    return deed in ALLOWED[status]


def ensure_allows(enterprise: Enterprise, deed: Deed) -> None:
    """Refuse, naming the status and what to do, unless the enterprise's status allows it."""
    if allows(enterprise.status, deed):
        return
    name_vi, name_en = STATUS_NAMES[enterprise.status]
    step_vi, step_en = _NEXT_STEP[enterprise.status]
    why = enterprise.status_reason
    raise StatusRefused(
        f"Doanh nghiệp {enterprise.display_name} đang ở trạng thái “{name_vi}”"
        f"{f' (lý do: {why})' if why else ''}. {step_vi}",
        f"The enterprise {enterprise.display_name} is {name_en}"
        f"{f' (reason: {why})' if why else ''}. {step_en}",
    )
