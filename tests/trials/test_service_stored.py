# SPDX-License-Identifier: Apache-2.0
"""Trials stored by an older reader are read again by the current one (round-3 readers reach the
registry already imported), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from oncoboard.governance.users import actor_for
from oncoboard.governance.vocabulary import Role
from oncoboard.store.db import unit_of_work
from oncoboard.trials import compact, service
from oncoboard.trials.models import TrialRow
from tests.conftest import make_user
from tests.support import shared_file
from tests.trials.support import SEARCH_PAGE

pytestmark = pytest.mark.shared
ADMIN = "reread-admin"


def _kinds(engine: Engine, nct: str, criterion: str) -> list[str]:
    service._FULL.clear()
    service._COMPACT.clear()
    with unit_of_work(engine) as session:
        (trial,) = service.load_criteria(session, [nct])
    item = next(c for c in trial.criteria if c.id == criterion)
    return [s.constraint.type for s in item.constraints]


def test_criteria_of_an_older_format_are_read_again(engine: Engine) -> None:
    make_user(engine, ADMIN, [Role.ADMIN])
    data = shared_file(*SEARCH_PAGE).read_bytes()
    with unit_of_work(engine) as session:
        access = service.authorize_import(session, actor_for(session, ADMIN), "page.json")
        service.import_trials(session=session, access=access, data=data, source_name="page.json")
    # NCT05288205 E2 "Serious allergy to the investigational drug or excipients …"
    assert _kinds(engine, "NCT05288205", "E2") == ["drug_allergy"]
    # as an older reader stored it: no constraint, a payload of the previous format
    with unit_of_work(engine) as session:
        row = session.scalars(select(TrialRow).where(TrialRow.nct_id == "NCT05288205")).one()
        criteria = [dict(c) for c in row.criteria]  # type: ignore[union-attr]
        for c in criteria:
            if c["id"] == "E2":
                c["constraints"] = []
        row.criteria = criteria
        row.screen = {**dict(row.screen or {}), "format": compact.FORMAT - 1}
    assert _kinds(engine, "NCT05288205", "E2") == ["drug_allergy"]
    # the same rows with the current format are taken as stored
    with unit_of_work(engine) as session:
        row = session.scalars(select(TrialRow).where(TrialRow.nct_id == "NCT05288205")).one()
        row.screen = {**dict(row.screen or {}), "format": compact.FORMAT}
    assert _kinds(engine, "NCT05288205", "E2") == []
