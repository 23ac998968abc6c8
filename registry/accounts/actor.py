"""Who is acting: a signed-in user, an API key, or the system itself (CLI, jobs)."""

from __future__ import annotations

from dataclasses import dataclass

from registry.accounts.models import Role
from registry.errors import Forbidden, NotFound


@dataclass(frozen=True)
class Actor:
    role: Role
    label: str
    enterprise_id: int | None = None
    user_id: int | None = None
    api_key_id: int | None = None

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
    an identity change.

    Hook for agency key scopes (issue 15, item 5): once keys carry scopes, these
    decisions also need the agency write scope (or a signed-in officer) here.
    """
    actor.ensure_agency()


SYSTEM = Actor(role=Role.admin, label="system")


def signing_up(email: str) -> Actor:
    """Someone registering their enterprise: the audit log names them by the e-mail they give."""
    return Actor(role=Role.enterprise, label=email.strip().lower()[:254])
