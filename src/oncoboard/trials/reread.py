# SPDX-License-Identifier: Apache-2.0
"""Stored trials read again once the criterion readers change (a new ``compact.FORMAT``).

A trial's criteria are read from its registry text at import and stored with their matching
payload. When a release improves the readers it bumps the payload format; rows of an older format
are still matched correctly (read again in memory each time a process loads them), but that costs
every new process ~40 ms per trial. ``oncoboard db upgrade`` and any import that meets such a row
store the new reading, so it is paid once. The registry version and its hash do not change: the
same text, read by the current readers.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.trials import compact
from oncoboard.trials.constraints import structure
from oncoboard.trials.models import TrialRow
from oncoboard.trials.schemas import Criterion, TrialRecord

_CRITERIA = TypeAdapter(tuple[Criterion, ...])


def is_current(screen: Any) -> bool:
    """Whether a stored matching payload was written by the current readers."""
    return isinstance(screen, dict) and screen.get("format") == compact.FORMAT


def store_reading(row: TrialRow, criteria: tuple[Criterion, ...]) -> None:
    row.criteria = list(_CRITERIA.dump_python(criteria, mode="json"))
    row.screen = compact.encode(criteria)


def reread(row: TrialRow) -> None:
    """Read the row's registry text again with the current readers and store the result."""
    store_reading(row, structure(TrialRecord.model_validate(row.record).eligibility))


def reread_stale(session: Session) -> int:
    """Every stored trial whose payload an older reader wrote, read again; how many."""
    count = 0
    for row in session.scalars(select(TrialRow)):
        if not is_current(row.screen):
            reread(row)
            count += 1
    session.flush()
    return count
