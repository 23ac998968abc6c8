"""A refused officer form comes back with what was typed and the message by its field,
nothing stored: the code's edit form (its reason field is `edit_reason`, beside the
approval form's `reason`) and the import form without a file."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.market_codes.models import MarketCodeChange
from tests.market_codes.conftest import World, csrf_of


def test_a_refused_edit_shows_the_form_again_with_its_reason_field(
    staff: TestClient, db_session: Session, world: World
) -> None:
    url = f"/agency/market-codes/{world.area_code.id}"
    changes = select(func.count()).select_from(MarketCodeChange)
    before = db_session.scalar(changes)
    token = csrf_of(staff.get(url).text)
    refused = staff.post(url, data={"csrf_token": token, "crop": "Bưởi da xanh", "area_ha": "4"})
    assert refused.status_code == 422
    assert 'id="edit_reason-error"' in refused.text and 'id="reason-error"' not in refused.text
    assert 'value="Bưởi da xanh"' in refused.text
    db_session.expire_all()
    assert db_session.scalar(changes) == before
    no_file = staff.post("/agency/market-codes-import", data={"csrf_token": token})
    assert no_file.status_code == 422 and 'id="file-error"' in no_file.text
