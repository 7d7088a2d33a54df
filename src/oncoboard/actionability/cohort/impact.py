# SPDX-License-Identifier: Apache-2.0
"""``kb diff A B``: which patients' results would change under release B, and how.

Only assertions that differ matter: those removed or changed are evaluated as release A has
them, those added or changed as release B has them, for every patient the caller may see
(``gate.visible_patients``: treatment objections or missing research consent exclude them), with
the cohort engine (same pre-filter as screening). An unchanged assertion gives every patient the
same result under both releases, so it is never evaluated. Gene-level rules stay off, as in a
report by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.actionability.cohort import facts as cohort_facts
from oncoboard.actionability.cohort.engine import Pair, assess_cohort, needs
from oncoboard.actionability.engine import Assessment, Finding
from oncoboard.actionability.facts import PatientFacts
from oncoboard.actionability.matching import EngineOptions
from oncoboard.governance import gate
from oncoboard.governance.gate import Access
from oncoboard.governance.vocabulary import Action
from oncoboard.knowledge.schemas import Assertion, KbReleaseInfo, PatientChange, PatientImpact
from oncoboard.record.models import PatientRow

Found = dict[str, tuple[str, Finding]]
_GAINED = {"option": "new option", "resistance": "new resistance", "other": "new finding"}
_LOST = {"option": "option lost", "resistance": "resistance lost", "other": "finding lost"}


def diff_impact(
    *,
    session: Session,
    access: Access,
    a: KbReleaseInfo,
    b: KbReleaseInfo,
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
) -> PatientImpact:
    """Per visible patient, each differing assertion whose match, bucket, tier or therapy moves."""
    gate.require(access, Action.VIEW_RECORD, patient_scoped=False)
    changed = {key for key in before.keys() & after.keys() if before[key] != after[key]}
    old = _pairs(before, (before.keys() - after.keys()) | changed, a)
    new = _pairs(after, (after.keys() - before.keys()) | changed, b)
    patients = select(PatientRow.id).where(gate.visible_patients(access.actor, access.purpose))
    cohort: Sequence[PatientFacts] = []
    if old or new:
        rules = [assertion.rule for assertion, _ in (*old, *new)]
        cohort = cohort_facts.load(session, patients, needs(rules))
    options = EngineOptions()
    under_a = {x.patient_id: _found(x) for x in assess_cohort(cohort, old, options)}
    under_b = {x.patient_id: _found(x) for x in assess_cohort(cohort, new, options)}
    changes = [
        change
        for patient in sorted(under_a.keys() | under_b.keys())
        for change in _changes(patient, under_a.get(patient, {}), under_b.get(patient, {}))
    ]
    affected = sorted({change.patient_id for change in changes})
    note = (
        f"{len(affected)} of {len(cohort)} patients (consent for {access.purpose.value} in "
        f"force) would see a different result: {len(old)} assertion(s) of {a.release_id} and "
        f"{len(new)} of {b.release_id} differ; gene-level rules off"
    )
    return PatientImpact(
        evaluated=True,
        note=note,
        patients=affected,
        patients_evaluated=len(cohort),
        changes=changes,
    )


def _pairs(
    payloads: dict[str, dict[str, Any]], keys: set[str], release: KbReleaseInfo
) -> list[Pair]:
    return [(Assertion.model_validate(payloads[key]), release) for key in sorted(keys)]


def _found(assessment: Assessment) -> Found:
    found: Found = {}
    for bucket, findings in (
        ("option", assessment.options),
        ("resistance", assessment.resistance),
        ("other", assessment.other),
    ):
        for finding in findings:
            found[finding.assertion.assertion_id] = (bucket, finding)
    return found


def _changes(patient: str, under_a: Found, under_b: Found) -> list[PatientChange]:
    out = []
    for assertion_id in sorted(under_a.keys() | under_b.keys()):
        old, new = under_a.get(assertion_id), under_b.get(assertion_id)
        kind = _kind(old, new)
        if kind is None:
            continue
        finding = (new or old)[1]  # type: ignore[index]
        out.append(
            PatientChange(
                patient_id=patient,
                assertion_id=assertion_id,
                change=kind,
                therapy=_therapy(finding),
                before=_state(old),
                after=_state(new),
                alteration=finding.result.reason,
            )
        )
    return out


def _kind(old: tuple[str, Finding] | None, new: tuple[str, Finding] | None) -> str | None:
    if old is None or new is None:
        return _GAINED[new[0]] if new is not None else _LOST[old[0]] if old is not None else None
    if old[0] != new[0]:
        return "kind changed"
    if (old[1].tier.amp, old[1].tier.escat) != (new[1].tier.amp, new[1].tier.escat):
        return "tier changed"
    if _therapy(old[1]) != _therapy(new[1]):
        return "therapy changed"
    return None


def _therapy(finding: Finding) -> str | None:
    return finding.assertion.therapy.name if finding.assertion.therapy else None


def _state(found: tuple[str, Finding] | None) -> str | None:
    if found is None:
        return None
    bucket, finding = found
    label = "on-label" if finding.disease.on_label else "off-label"
    return f"{bucket}: {finding.tier.amp}, ESCAT {finding.tier.escat}, {label}"
