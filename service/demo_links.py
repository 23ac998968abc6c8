"""One Digital Link of the demo data for each verdict (docs/verdicts.md), so a newcomer
can open every kind of consumer page from the start-up banner."""

from __future__ import annotations

from sqlalchemy.orm import Session

from registry.gs1 import build_digital_link, gs1_check_digit
from registry.print_runs.content import run_digital_link
from registry.print_runs.serials import INDEX_LENGTH
from service.demo_scenes import (
    COPIED_LOT,
    EXPIRED_LOT,
    GENUINE_LOT,
    LOT_ONLY,
    RECALLED_LOT,
    SUSPENDED_LOT,
    VOID_LOT,
    copied_serial,
    demo_lot,
    serials_of,
)

# A valid GTIN under Viet Nam's 893 that no demo enterprise holds, and one from Germany.
UNREGISTERED_GTIN = "0893999900001" + gs1_check_digit("0893999900001")
FOREIGN_GTIN = "0400638133393" + gs1_check_digit("0400638133393")
UNDECLARED_LOT = "CHUA-KHAI-BAO"


def _forged(serial: str) -> str:
    """A serial of the right shape whose code part the registry never issued."""
    tail = serial[INDEX_LENGTH:]
    return serial[:INDEX_LENGTH] + ("1" if tail[0] == "0" else "0") + tail[1:]


def verdict_links(session: Session, base_url: str) -> list[tuple[str, str]]:
    """(verdict kind, Digital Link) in the order of the verdict table's rows."""
    genuine = demo_lot(session, *GENUINE_LOT)
    genuine_serial = serials_of(session, genuine)[0]
    voided = demo_lot(session, *VOID_LOT)
    copied = demo_lot(session, *COPIED_LOT)
    registered = demo_lot(session, *LOT_ONLY)
    gtin = registered.product.gtin
    invalid_gtin = gtin[:-1] + str((int(gtin[-1]) + 1) % 10)
    return [
        # Built by hand: build_digital_link refuses a wrong check digit, as it should.
        ("invalid", f"{base_url.rstrip('/')}/01/{invalid_gtin}"),
        ("not_registered", build_digital_link(base_url, [("01", UNREGISTERED_GTIN)])),
        ("foreign_prefix", build_digital_link(base_url, [("01", FOREIGN_GTIN)])),
        ("serial_never_issued", run_digital_link(base_url, genuine, _forged(genuine_serial))),
        (
            "serial_void",
            run_digital_link(base_url, voided, serials_of(session, voided, voided=True)[0]),
        ),
        ("recalled", run_digital_link(base_url, demo_lot(session, *RECALLED_LOT))),
        ("suspended", run_digital_link(base_url, demo_lot(session, *SUSPENDED_LOT))),
        ("lot_undeclared", build_digital_link(base_url, [("01", gtin), ("10", UNDECLARED_LOT)])),
        ("expired", run_digital_link(base_url, demo_lot(session, *EXPIRED_LOT))),
        ("suspicious_copy", run_digital_link(base_url, copied, copied_serial(session))),
        ("genuine", run_digital_link(base_url, genuine, genuine_serial)),
        ("registered", run_digital_link(base_url, registered)),
    ]
