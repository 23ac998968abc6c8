"""What every API body and answer shares: the base classes, ids, quantities and places,
and the problem document. Each domain's own bodies sit beside it (registry/<domain>/schemas.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from registry.text import MAX_QUANTITY, MAX_TEXT_LENGTH, QUANTITY_PLACES, forbidden_character

T = TypeVar("T")
# Record ids are 32-bit on PostgreSQL; anything larger cannot exist and must not reach SQL.
MAX_ID = 2_147_483_647
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


# A quantity in the lot's unit; the database column is Numeric(18, 3).
Quantity = Annotated[Decimal, Field(ge=0, le=MAX_QUANTITY, decimal_places=QUANTITY_PLACES)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class In(BaseModel):
    """Every request body: no control characters in any text, no text longer than
    MAX_TEXT_LENGTH unless its field says otherwise; caught here, not by the database."""

    model_config = ConfigDict(str_max_length=MAX_TEXT_LENGTH)

    @field_validator("*")
    @classmethod
    def _text_is_printable(cls, value: Any, info: ValidationInfo) -> Any:
        _refuse_forbidden_characters(value, info.field_name or "")
        return value


def _refuse_forbidden_characters(value: Any, field: str) -> None:
    if isinstance(value, str):
        character = forbidden_character(value, field=field)
        if character is not None:
            raise PydanticCustomError(
                "control_character",
                "Text holds a control character that is not allowed ({character})",
                {"character": character},
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_forbidden_characters(key, "")
            _refuse_forbidden_characters(item, field)
    elif isinstance(value, list | tuple | set):
        for item in value:
            _refuse_forbidden_characters(item, field)


def kept(**constraints: Any) -> Any:
    """A patch field that every record has a value for: left out, it stays as it is;
    null is refused with the other input errors (the type has no None, and pydantic
    does not validate a default that is never used)."""
    return Field(default=None, json_schema_extra=_without_default, **constraints)


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int
    pages: int


class ReasonIn(In):
    reason: str = Field(default="", max_length=2000)


class FieldProblemOut(BaseModel):
    field: str
    message_vi: str
    message_en: str


class Problem(BaseModel):
    """RFC 9457 problem details, with the message in Vietnamese and English."""

    type: str
    title: str
    status: int
    detail: str
    message_vi: str
    message_en: str
    instance: str
    errors: list[FieldProblemOut] | None = None
