# SPDX-License-Identifier: Apache-2.0
"""Run the engine for one patient against stored KB releases; propose its recommendations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.actionability.engine import Assessment, assess, recommendations
from oncoboard.actionability.facts import PatientFacts
from oncoboard.actionability.matching import EngineOptions
from oncoboard.governance import decisions, gate
from oncoboard.governance.gate import Access
from oncoboard.governance.models import RecommendationRow
from oncoboard.governance.recommendation import Recommendation
from oncoboard.governance.vocabulary import Action
from oncoboard.knowledge import service as kb
from oncoboard.knowledge.models import KbReleaseRow
from oncoboard.knowledge.schemas import Assertion, KbReleaseInfo
from oncoboard.record import service as record_service
from oncoboard.runtime import collector_paused

ALL_VARIANTS = 10_000_000


@dataclass(frozen=True)
class PatientAssessment:
    assessment: Assessment
    releases: tuple[KbReleaseInfo, ...]
    genome_builds: tuple[str, ...]
    recommendations: tuple[Recommendation, ...]


def assess_patient(
    session: Session,
    *,
    access: Access,
    release_ids: Sequence[str] | None = None,
    options: EngineOptions = EngineOptions(),
) -> PatientAssessment:
    """The patient's record (all variants) against the chosen releases (default: all stored)."""
    gate.require(access, Action.VIEW_RECORD)
    with collector_paused():  # a 50k-variant record is ~100k objects at once
        record = record_service.get_patient_record(
            session=session, access=access, variant_limit=ALL_VARIANTS
        )
        facts = PatientFacts.from_record(record)
        releases = _releases(session, release_ids)
        pairs = [
            (Assertion.model_validate(payload), release)
            for release in releases
            for payload in kb.load_assertions(session, release.release_id).values()
        ]
        assessment = assess(facts, pairs, options)
    return PatientAssessment(
        assessment=assessment,
        releases=tuple(releases),
        genome_builds=tuple(record.genome_builds),
        recommendations=tuple(recommendations(assessment)),
    )


def _releases(session: Session, release_ids: Sequence[str] | None) -> list[KbReleaseInfo]:
    if release_ids:
        return [kb.release_info(session, release_id) for release_id in release_ids]
    rows = session.scalars(select(KbReleaseRow).order_by(KbReleaseRow.release_id))
    return [kb.release_info(session, row.release_id) for row in rows]


def propose_new(
    session: Session, *, access: Access, proposed: Sequence[Recommendation]
) -> list[str]:
    """Store recommendations not already proposed for this patient (same statement); return ids."""
    gate.require(access, Action.EDIT_RECORD)
    patient_pk = gate.record_key(session, access)
    existing = {
        str(payload.get("statement"))
        for payload in session.scalars(
            select(RecommendationRow.payload).where(RecommendationRow.patient_id == patient_pk)
        )
    }
    stored = []
    for recommendation in proposed:
        if recommendation.statement in existing:
            continue
        stored.append(decisions.propose(session, access=access, recommendation=recommendation))
    return stored
