# SPDX-License-Identifier: Apache-2.0
"""A clinician's decision on one criterion ("met after all: the brain metastases were treated and
are stable"), recorded with reason, applied on every later screening of that trial version.

The reader's own state is kept next to the decision; a decision recorded for an older version of
the trial is not applied to a newer one (the criterion may have changed), and shows as such.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.errors import InputError, NotFound
from oncoboard.governance import gate
from oncoboard.governance.gate import Access
from oncoboard.governance.vocabulary import Action
from oncoboard.trials import cohorts
from oncoboard.trials.models import CriterionOverrideRow
from oncoboard.trials.schemas import (
    CriterionOverrideInfo,
    CriterionResult,
    CriterionState,
    TrialMatch,
    Verdict,
)

STATES = ("met", "not_met", "reader")


def record_override(
    *,
    session: Session,
    access: Access,
    match: TrialMatch,
    criterion_id: str,
    state: str,
    reason: str,
) -> CriterionOverrideRow:
    """Store a clinician's decision on one criterion of one trial for the patient of ``access``.

    ``state`` is ``met``, ``not_met`` or ``reader`` (withdraw: the reader's state applies again);
    a reason is required. ``access`` must allow ``decide`` on the patient.
    """
    gate.require(access, Action.DECIDE)
    if state not in STATES:
        raise InputError(f"override state: expected one of {', '.join(STATES)}, got {state!r}")
    if not reason.strip():
        raise InputError("override reason: a reason is required to override a criterion")
    current = next((c for c in match.criteria if c.criterion_id == criterion_id), None)
    if current is None:
        raise NotFound(f"trial {match.nct_id} has no criterion {criterion_id!r}")
    reader = current.override.reader_state if current.override else current.state
    row = CriterionOverrideRow(
        patient_id=access.patient_id or "",
        nct_id=match.nct_id,
        trial_version=match.version,
        criterion_id=criterion_id,
        state=state,
        reader_state=str(reader),
        reason=reason.strip()[:4000],
        decided_by=access.actor.username,
    )
    session.add(row)
    session.flush()
    return row


def latest(session: Session, patient_id: str) -> dict[tuple[str, str], CriterionOverrideRow]:
    """The latest decision per (trial, criterion) for one patient."""
    rows = session.scalars(
        select(CriterionOverrideRow)
        .where(CriterionOverrideRow.patient_id == patient_id)
        .order_by(CriterionOverrideRow.id)
    )
    return {(row.nct_id, row.criterion_id): row for row in rows}


def apply(
    matches: Sequence[TrialMatch], decided: dict[tuple[str, str], CriterionOverrideRow]
) -> list[TrialMatch]:
    """Matches with the clinicians' decisions in place of the reader's states (same version)."""
    if not decided:
        return list(matches)
    return [_apply_one(m, decided) for m in matches]


def _apply_one(
    match: TrialMatch, decided: dict[tuple[str, str], CriterionOverrideRow]
) -> TrialMatch:
    changed = False
    results = []
    for result in match.criteria:
        row = decided.get((match.nct_id, result.criterion_id))
        if row is None or row.state == "reader" or row.trial_version != match.version:
            results.append(result)
            continue
        results.append(_overridden(result, row))
        changed = True
    if not changed:
        return match
    no_cohort, fitting, counted = cohorts.trial_level(results)
    excluded_by = (*(r.criterion_id for r in results if r.excludes), *no_cohort)
    open_states = (CriterionState.UNKNOWN, CriterionState.NEEDS_REVIEW)
    structured_open = any(
        r.state in open_states and r.category != "administrative" and r.results for r in counted
    )
    verdict = (
        Verdict.EXCLUDED
        if excluded_by
        else Verdict.NEEDS_REVIEW
        if structured_open
        else Verdict.CANDIDATE
    )
    return match.model_copy(
        update={
            "criteria": tuple(results),
            "excluded_by": excluded_by,
            "verdict": verdict,
            "met": sum(1 for r in results if _favourable(r)),
            "unknown": sum(1 for r in counted if r.state is CriterionState.UNKNOWN),
            "needs_review": sum(
                1
                for r in counted
                if r.state is CriterionState.NEEDS_REVIEW and r.category != "administrative"
            ),
            "cohorts_fitting": fitting,
        }
    )


def _favourable(result: CriterionResult) -> bool:
    wanted = CriterionState.MET if result.section == "inclusion" else CriterionState.NOT_MET
    return result.state is wanted and bool(result.results or result.override)


def _overridden(result: CriterionResult, row: CriterionOverrideRow) -> CriterionResult:
    state = CriterionState(row.state)
    excludes = (result.section == "inclusion" and state is CriterionState.NOT_MET) or (
        result.section == "exclusion" and state is CriterionState.MET
    )
    excludes = excludes and not result.cohort
    info = CriterionOverrideInfo(
        state=state, reason=row.reason, decided_by=row.decided_by, decided_at=row.decided_at,
        reader_state=CriterionState(row.reader_state),
    )  # fmt: skip
    return result.model_copy(
        update={
            "state": state,
            "excludes": excludes,
            "override": info,
            "reason": f"clinician decision by {row.decided_by}: {row.reason} "
            f"(reader: {row.reader_state.replace('_', ' ')} — {result.reason})",
        }
    )
