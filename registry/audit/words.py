"""Audit entries in words a person reads: "Tạo sản phẩm #12", not "create product #12"."""

from __future__ import annotations

from registry.audit.models import AuditEntry

ACTIONS = {
    "activate": ("Kích hoạt", "Activated"),
    "add_to_pool": ("Thêm vào kho mã", "Added to the pool"),
    "append": ("Bổ sung", "Appended"),
    "approve_identity": ("Duyệt thay đổi thông tin", "Approved the identity change"),
    "assign": ("Cấp", "Assigned"),
    "change_password": ("Đổi mật khẩu", "Changed the password"),
    "close_flag": ("Đóng báo cáo sự kiện", "Closed the event report"),
    "create": ("Tạo", "Created"),
    "delete": ("Xoá", "Deleted"),
    "end_recall": ("Kết thúc thu hồi", "Ended the recall"),
    "flag": ("Báo cho Chi cục", "Reported to the agency"),
    "grant": ("Cấp", "Granted"),
    "import": ("Nhập từ tệp", "Imported"),
    "propose_identity": ("Đề nghị thay đổi thông tin", "Proposed an identity change"),
    "recall": ("Thu hồi", "Recalled"),
    "register": ("Đăng ký", "Registered"),
    "reject": ("Từ chối", "Rejected"),
    "reject_identity": ("Từ chối thay đổi thông tin", "Rejected the identity change"),
    "request": ("Gửi đề nghị", "Requested"),
    "request_pool_prefix": ("Đề nghị cấp mã doanh nghiệp", "Requested a company prefix"),
    "revoke": ("Thu hồi quyền", "Revoked"),
    "suspend": ("Tạm dừng", "Suspended"),
    "triage": ("Xử lý phản ánh", "Triaged"),
    "update": ("Sửa", "Updated"),
    "verify": ("Xác minh", "Verified"),
    "void": ("Huỷ", "Voided"),
}
ENTITIES = {
    "api_key": ("khoá API", "API key"),
    "certificate": ("chứng nhận", "certificate"),
    "company_prefix": ("mã doanh nghiệp GS1", "GS1 company prefix"),
    "consumer_report": ("phản ánh của người tiêu dùng", "consumer report"),
    "enterprise": ("doanh nghiệp", "enterprise"),
    "enterprise_identity_change": ("thay đổi thông tin doanh nghiệp", "identity change"),
    "epcis_event": ("bước truy xuất", "traceability step"),
    "epcis_event_flag": ("báo cáo sự kiện", "event report"),
    "label_run": ("đợt in tem", "label print run"),
    "location": ("địa điểm", "location"),
    "lot": ("lô hàng", "lot"),
    "population": ("danh sách doanh nghiệp", "business register"),
    "prefix_request": ("đề nghị cấp mã", "prefix request"),
    "product": ("sản phẩm", "product"),
    "recall": ("thu hồi", "recall"),
    "resolver_link": ("liên kết", "link"),
    "user": ("người dùng", "user"),
}


def describe(entry: AuditEntry, lang: str) -> tuple[str, str]:
    """What was done and to what, in the page's language; an unknown code shows as it is."""
    english = lang != "vi"
    action = ACTIONS.get(entry.action)
    entity = ENTITIES.get(entry.entity)
    did = action[english] if action else entry.action
    what = entity[english] if entity else entry.entity
    return did, f"{what[:1].upper()}{what[1:]} #{entry.entity_id}"
