# SPDX-License-Identifier: Apache-2.0
"""Trial matches → TRIAL recommendations (basis, evidence, alternatives) for a coordinator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from oncoboard.governance.recommendation import (
    NONE_KNOWN,
    Alternative,
    Citation,
    FactReference,
    Recommendation,
    RecommendationKind,
)
from oncoboard.record.schemas import PatientRecord, RecordedFact
from oncoboard.trials.schemas import CriterionState, TrialMatch, Verdict

GENERATED_BY = "oncoboard.trials rule-based eligibility reader v1"
INTENDED_USE = (
    "Pre-screening support for a trial coordinator: which registry trials to look at for this "
    "patient. Eligibility is confirmed by the trial team against the current protocol."
)


def recommendations(
    record: PatientRecord, matches: Sequence[TrialMatch], versions: Mapping[str, str]
) -> list[Recommendation]:
    """One recommendation per trial not excluded; the others not excluded are its alternatives."""
    facts = _facts_by_id(record)
    open_ = [m for m in matches if m.verdict is not Verdict.EXCLUDED]
    out = []
    for rank, match in enumerate(open_, start=1):
        basis = _basis(match, facts)
        if not basis:
            continue  # nothing of the record supports it: not proposed (contract needs a basis)
        others = [
            Alternative(
                statement=f"Trial {o.nct_id}: {o.brief_title}",
                why_not_first=f"ranked {i} ({o.verdict.value}, {o.met} criteria met)",
            )
            for i, o in enumerate(open_, start=1)
            if o.nct_id != match.nct_id
        ][:10]
        out.append(
            Recommendation(
                patient_id=record.patient_id,
                kind=RecommendationKind.TRIAL,
                statement=f"Screen for trial {match.nct_id} ({match.verdict.value}, rank {rank}): {match.brief_title}",
                basis=tuple(basis),
                evidence=(
                    Citation(
                        source="ClinicalTrials.gov study record (Data from ClinicalTrials.gov, U.S. National Library of Medicine)",
                        identifier=match.nct_id,
                        level="trial registry eligibility criteria",
                        knowledge_version=f"{match.nct_id} version {match.version} (sha256 {versions.get(match.nct_id, '?')[:12]})",
                    ),
                ),
                alternatives=tuple(others) or NONE_KNOWN,
                limitations=_limitations(match),
                intended_use=INTENDED_USE,
                generated_by=GENERATED_BY,
                ai_generated=False,
            )
        )
    return out


def _facts_by_id(record: PatientRecord) -> dict[int, RecordedFact]:
    sections = (
        record.demographics, record.conditions, record.variants, record.copy_numbers,
        record.fusions, record.biomarkers, record.performance_status, record.treatments,
    )  # fmt: skip
    return {f.fact_id: f for section in sections for f in section}


def _basis(match: TrialMatch, facts: Mapping[int, RecordedFact]) -> list[FactReference]:
    seen: dict[int, FactReference] = {}
    for criterion in match.criteria:
        if criterion.state is CriterionState.NEEDS_REVIEW and not criterion.results:
            continue
        for result in criterion.results:
            for used in result.facts:
                fact = facts.get(used.fact_id or -1)
                if fact is None or fact.fact_id in seen:
                    continue
                flags = f"; {', '.join(result.flags)}" if result.flags else ""
                seen[fact.fact_id] = FactReference(
                    label=used.label,
                    fact_id=fact.fact_id,
                    kind=fact.fact.kind,
                    provenance=fact.provenance,
                    match=f"{criterion.criterion_id} {criterion.state.value}{flags}",
                )
    return list(seen.values())


def _limitations(match: TrialMatch) -> str:
    missing = sorted({r.missing for c in match.criteria for r in c.results if r.missing})
    return (
        f"{match.unknown} criteria unknown (missing: {', '.join(missing) or 'none'}); "
        f"{match.needs_review} need a person to read them. Criteria were read from the registry's "
        "free text by rules; a threshold without a recorded result stays unknown."
    )
