# SPDX-License-Identifier: Apache-2.0
"""The gate as a command's first step: a CLI read or write passes the same gate and audit as
the API, in the same unit of work as the work it allows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from oncoboard.governance.vocabulary import Action, Purpose

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from oncoboard.edge.cli_context import CliContext
    from oncoboard.governance.gate import Access


@contextmanager
def authorized(
    context: CliContext,
    action: Action,
    obj: str,
    *,
    purpose: Purpose = Purpose.TREATMENT,
    patient_id: str | None = None,
    break_glass_reason: str | None = None,
) -> Iterator[tuple[Session, Access]]:
    """(session, access) of one unit of work that the acting user was allowed to open (for
    treatment unless another purpose is named); a refusal is audited and raised before the body
    runs. The gate and the database load here,
    when the command runs, so a command's ``--help`` starts without them."""
    from oncoboard.governance import gate
    from oncoboard.store.db import unit_of_work

    with unit_of_work(context.engine) as session:
        access = gate.authorize(
            session,
            actor=context.actor(session),
            action=action,
            purpose=purpose,
            obj=obj,
            patient_id=patient_id,
            break_glass_reason=break_glass_reason,
        )
        yield session, access
