# SPDX-License-Identifier: Apache-2.0
"""Disclosure control that needs storage: each researcher's privacy budget, the discrete
Laplace noise (OpenDP), and the exact answers a site released (for the differencing check)."""

from __future__ import annotations

import hashlib
import zlib
from datetime import timedelta
from functools import cache
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oncoboard.errors import FeatureUnavailable, PermissionDenied
from oncoboard.federation.engine import symmetric_difference
from oncoboard.federation.models import ExactAnswerRow, PrivacySpendRow
from oncoboard.federation.schemas import BudgetState, EntryType, SitePolicy
from oncoboard.governance import audit
from oncoboard.governance.gate import Access
from oncoboard.record.models import utcnow


def budget(session: Session, researcher: str, policy: SitePolicy) -> BudgetState:
    """What ``researcher`` spent at this site in the policy's window, and what is left."""
    since = utcnow() - timedelta(days=policy.budget_window_days)
    spent = float(
        session.scalar(
            select(func.coalesce(func.sum(PrivacySpendRow.epsilon), 0.0)).where(
                PrivacySpendRow.researcher == researcher, PrivacySpendRow.at >= since
            )
        )
        or 0.0
    )
    return BudgetState(
        researcher=researcher,
        epsilon_per_query=policy.epsilon_per_query,
        epsilon_budget=policy.epsilon_budget,
        spent=round(spent, 6),
        remaining=round(max(0.0, policy.epsilon_budget - spent), 6),
        window_days=policy.budget_window_days,
    )


def spend(
    session: Session, *, access: Access, policy: SitePolicy, entry_type: EntryType, query_key: str
) -> BudgetState:
    """Charge one query's epsilon, or refuse (and audit the refusal) when it would overdraw."""
    researcher = access.actor.username
    state = budget(session, researcher, policy)
    if state.spent + policy.epsilon_per_query > policy.epsilon_budget + 1e-9:
        reason = (
            f"privacy budget exhausted: {researcher} spent ε={state.spent:g} of "
            f"{policy.epsilon_budget:g} in {policy.budget_window_days} days; this query needs "
            f"ε={policy.epsilon_per_query:g}"
        )
        raise PermissionDenied(
            reason,
            audit_event=audit.AuditEvent(
                actor=researcher,
                roles=access.actor.roles_text,
                action=access.action.value,
                purpose=access.purpose.value,
                object=f"beacon {entry_type}",
                outcome="denied",
                reason=reason,
                request_id=access.actor.request_id,
            ),
        )
    session.add(
        PrivacySpendRow(
            researcher=researcher,
            epsilon=policy.epsilon_per_query,
            entry_type=entry_type,
            query_key=query_key,
        )
    )
    session.flush()
    return budget(session, researcher, policy)


def noisy_count(count: int, epsilon: float) -> int:
    """``count`` plus discrete Laplace noise of scale 1/ε (sensitivity 1: one person more or
    less changes a count by one), drawn by OpenDP's vetted sampler."""
    measurement = _laplace(1.0 / epsilon)
    return int(measurement(count))


@cache
def _laplace(scale: float) -> Any:
    try:
        import opendp.prelude as dp
    except ImportError as error:  # pragma: no cover - a dependency of the package
        raise FeatureUnavailable("differential privacy needs the opendp package") from error
    dp.enable_features("contrib")
    measurement = dp.m.make_laplace(dp.atom_domain(T=int), dp.absolute_distance(T=int), scale=scale)
    # the privacy map is the proof: one person changes a count by 1, costing ε = 1/scale
    assert abs(measurement.map(1) - 1.0 / scale) < 1e-9
    return measurement


def epsilon_of(scale: float) -> float:
    """The ε OpenDP's privacy map gives a count of sensitivity 1 at this noise scale."""
    return float(_laplace(scale).map(1))


# ---------------------------------------------------------------- differencing


def pack(members: list[int]) -> bytes:
    return zlib.compress(np.asarray(members, dtype=np.uint32).tobytes(), 1)


def unpack(blob: bytes) -> list[int]:
    return np.frombuffer(zlib.decompress(blob), dtype=np.uint32).tolist()


def digest(members: list[int]) -> str:
    return hashlib.sha256(np.asarray(members, dtype=np.uint32).tobytes()).hexdigest()


def near_answers(
    session: Session, entry_type: EntryType, count: int, min_count: int
) -> list[ExactAnswerRow]:
    """Exact answers released earlier (to anyone) whose counts are within the threshold."""
    return list(
        session.scalars(
            select(ExactAnswerRow).where(
                ExactAnswerRow.entry_type == entry_type,
                ExactAnswerRow.count.between(count - min_count + 1, count + min_count - 1),
            )
        )
    )


def differs_slightly(members: list[int], earlier: list[ExactAnswerRow], min_count: int) -> bool:
    """True when some earlier exact answer counted a set differing from this one by 1 to
    ``min_count - 1`` patients: releasing both exactly would isolate those patients."""
    mine = digest(members)
    for row in earlier:
        if row.members_sha256 == mine:
            continue
        if 0 < symmetric_difference(members, unpack(row.members)) < min_count:
            return True
    return False


def remember(
    session: Session,
    *,
    researcher: str,
    entry_type: EntryType,
    query_key: str,
    members: list[int],
    earlier: list[ExactAnswerRow],
) -> None:
    """Log an exact release with the set it counted (once per distinct set)."""
    sha = digest(members)
    if any(row.members_sha256 == sha for row in earlier):
        return
    session.add(
        ExactAnswerRow(
            researcher=researcher,
            entry_type=entry_type,
            query_key=query_key,
            count=len(members),
            members=pack(members),
            members_sha256=sha,
        )
    )
