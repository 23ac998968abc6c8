"""Who is acting: a signed-in user, an API key, or the system itself (CLI, jobs).

A base value type: every domain folder asks the actor, so it lives below them all
and imports none of them."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from registry.errors import Forbidden, InvalidInput, NotFound

REASON_MAX_LENGTH = 2000


class Role(enum.StrEnum):
    enterprise = "enterprise"
    agency = "agency"
    admin = "admin"


@dataclass(frozen=True)
class Actor:
    role: Role
    label: str
    enterprise_id: int | None = None
    user_id: int | None = None
    api_key_id: int | None = None
    # False for an agency key created without the write scope.
    may_write: bool = True

    @property
    def is_agency(self) -> bool:
        return self.role in (Role.agency, Role.admin)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin

    def can_see(self, enterprise_id: int | None) -> bool:
        return self.is_agency or (enterprise_id is not None and enterprise_id == self.enterprise_id)

    def ensure_sees(
        self, enterprise_id: int | None, *, what: tuple[str, str] = ("bản ghi", "record")
    ) -> None:
        """Another enterprise's records answer as missing: their existence is not leaked."""
        if not self.can_see(enterprise_id):
            raise not_found(what)

    @property
    def is_system(self) -> bool:
        """The registry itself (CLI commands, jobs, the demo loader): no person, no key."""
        return self.user_id is None and self.api_key_id is None and self.is_admin

    def ensure_may_write(self) -> None:
        if not self.may_write:
            raise Forbidden(
                "Khóa API này chỉ được đọc dữ liệu; cần khóa có quyền ghi"
                " hoặc cán bộ đăng nhập để thay đổi.",
                "This API key may only read; a key with the write scope or a signed-in"
                " officer is needed to change anything.",
            )

    def ensure_person(self) -> None:
        """Accounts and keys are made by a signed-in person, never by a key."""
        if self.api_key_id is not None:
            raise Forbidden(
                "Khóa API không được tạo tài khoản hay khóa API; hãy đăng nhập để làm việc này.",
                "An API key cannot create accounts or API keys; sign in to do this.",
            )

    def ensure_agency(self) -> None:
        if not self.is_agency:
            raise Forbidden(
                "Chỉ cán bộ Chi cục mới được thực hiện thao tác này.",
                "Only agency staff may do this.",
            )

    def ensure_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden(
                "Chỉ quản trị viên mới được thực hiện thao tác này.",
                "Only an administrator may do this.",
            )


def not_found(what: tuple[str, str]) -> NotFound:
    return NotFound(f"Không tìm thấy {what[0]}.", f"{what[1].capitalize()} not found.")


def ensure_officer(actor: Actor) -> None:
    """Who may decide on the agency's behalf: grant or refuse a prefix, approve or refuse
    an identity change: a signed-in officer, or an agency key with the write scope."""
    actor.ensure_agency()
    actor.ensure_may_write()


def officer_reason(actor: Actor, *, enterprise_id: int | None, reason: str | None) -> str | None:
    """The reason to keep in the audit log when someone changes an enterprise's data.

    An officer changing another enterprise's data must say why (422 otherwise), and
    needs the write scope; an enterprise on its own data and the registry itself may
    give a reason but need not.
    """
    actor.ensure_may_write()
    text = (reason or "").strip() or None
    if text is not None and len(text) > REASON_MAX_LENGTH:
        raise InvalidInput(
            f"Lý do dài tối đa {REASON_MAX_LENGTH} ký tự.",
            f"The reason may have at most {REASON_MAX_LENGTH} characters.",
            field="reason",
        )
    acting_on_own = enterprise_id is not None and enterprise_id == actor.enterprise_id
    if text is None and actor.is_agency and not actor.is_system and not acting_on_own:
        raise InvalidInput(
            "Cán bộ Chi cục cần ghi lý do khi thay đổi dữ liệu của doanh nghiệp.",
            "An officer must give a reason when changing an enterprise's data.",
            field="reason",
        )
    return text


SYSTEM = Actor(role=Role.admin, label="system")


def signing_up(email: str) -> Actor:
    """Someone registering their enterprise: the audit log names them by the e-mail they give."""
    return Actor(role=Role.enterprise, label=email.strip().lower()[:254])
