from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.consignments.chain import ExportChain, build_export_chain


@pytest.fixture
def chain(db_session: Session) -> ExportChain:
    return build_export_chain(db_session)
