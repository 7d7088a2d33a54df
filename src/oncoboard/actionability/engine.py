# SPDX-License-Identifier: Apache-2.0
"""The actionability engine: (patient facts, KB assertions) → matches, tiers, recommendations.

Pure: no storage, no clock beyond the recommendation timestamp. Every assertion ends in exactly
one bucket — matched, not matched, or not evaluated with its reason — and the counts say so.
Evidence that does not support a therapy, and resistance evidence, are reported as such and never
become options for the patient.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from oncoboard import __version__
from oncoboard.actionability.contraindications import (
    Contraindication,
    DrugClasses,
    drug_classes,
    split_options,
)
from oncoboard.actionability.facts import PatientFacts
from oncoboard.actionability.matching import EngineOptions, RuleResult, evaluate
from oncoboard.actionability.tiering import TierCall, tier
from oncoboard.governance.recommendation import (
    Alternative,
    Citation,
    FactReference,
    Recommendation,
    RecommendationKind,
)
from oncoboard.knowledge.disease_map import oncotree_for
from oncoboard.knowledge.oncotree import DiseaseMatch, MatchKind, agnostic_relation, relation
from oncoboard.knowledge.schemas import Assertion, KbReleaseInfo
from oncoboard.record.schemas import RecordedFact

INTENDED_USE = (
    "For oncologists and molecular tumour boards reviewing a patient's tumour "
    "profile; supports, does not replace, clinical judgement."
)


@dataclass(frozen=True)
class Finding:
    """One matched assertion with how it matched and how it is tiered for this patient."""

    assertion: Assertion
    result: RuleResult
    disease: DiseaseMatch
    tier: TierCall
    release: KbReleaseInfo

    @property
    def is_option(self) -> bool:
        return (
            self.assertion.supports
            and self.assertion.direction == "sensitivity"
            and self.assertion.therapy is not None
        )


@dataclass
class Assessment:
    """Everything the report needs: findings by kind, what was not evaluated and why, counts."""

    patient_id: str
    tumor_type: str | None
    options: list[Finding] = field(default_factory=list)
    resistance: list[Finding] = field(default_factory=list)
    other: list[Finding] = field(default_factory=list)
    not_evaluated: dict[str, list[Assertion]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    filtered: tuple[RecordedFact, ...] = ()
    contraindicated: list[Contraindication] = field(default_factory=list)
    facts: PatientFacts | None = None
    drug_classes: DrugClasses = field(default_factory=dict)


def assess(
    facts: PatientFacts,
    assertions: Iterable[tuple[Assertion, KbReleaseInfo]],
    options: EngineOptions = EngineOptions(),
) -> Assessment:
    """Evaluate every assertion of the given releases for one patient."""
    tumor_type = facts.tumor_types[0] if facts.tumor_types else None
    facts = facts.with_filtered(options.include_filtered)
    result = Assessment(patient_id=facts.patient_id, tumor_type=tumor_type)
    result.filtered = facts.filtered
    result.facts = facts
    unevaluated: dict[str, list[Assertion]] = defaultdict(list)
    assertions = list(assertions)
    result.drug_classes = drug_classes(assertion for assertion, _ in assertions)
    for assertion, release in assertions:
        outcome = _supported(evaluate(assertion.rule, facts, options))
        result.counts[outcome.status] += 1
        if outcome.status == "not_evaluated":
            unevaluated[outcome.reason].append(assertion)
            continue
        if not outcome.matched:
            continue
        disease = _disease_match(tumor_type, assertion)
        finding = Finding(
            assertion, outcome, disease, tier(assertion.evidence_class, disease), release
        )
        _bucket(result, finding).append(finding)
    result.not_evaluated = dict(unevaluated)
    for bucket in (result.options, result.resistance, result.other):
        bucket.sort(key=_rank)
    result.options, result.contraindicated = split_options(
        result.options, result.resistance, facts.treatment_facts(), result.drug_classes
    )
    return result


_MATCH_ORDER = [
    MatchKind.EXACT,
    MatchKind.PATIENT_DESCENDANT,
    MatchKind.PATIENT_ANCESTOR,
    MatchKind.NONE,
    MatchKind.UNKNOWN,
]


def _disease_match(tumor_type: str | None, assertion: Assertion) -> DiseaseMatch:
    """Tumour-type relation; a source disease without an OncoTree code is mapped first
    (CIViC DOIDs, ``knowledge/disease_map.py``) and the mapping is named in the reason."""
    agnostic = agnostic_relation(tumor_type, assertion.disease.name)
    if agnostic is not None:
        return agnostic
    candidates = []
    for code, how in oncotree_for(assertion.disease):
        found = relation(tumor_type, code)
        candidates.append(found if how is None else replace(found, reason=f"{how}; {found.reason}"))
    return min(candidates, key=lambda match: _MATCH_ORDER.index(match.kind))


def _supported(outcome: RuleResult) -> RuleResult:
    """A match must name the patient facts it rests on; a rule that matched on nothing (any
    KB content the engine cannot support) is listed as not evaluated, never a crash."""
    if outcome.matched and not outcome.facts:
        return RuleResult(
            "not_evaluated",
            None,
            (),
            f"rule matched without a supporting patient fact ({outcome.reason}); not used",
        )
    return outcome


def _bucket(result: Assessment, finding: Finding) -> list[Finding]:
    if finding.is_option:
        return result.options
    if finding.assertion.direction in ("resistance", "reduced_sensitivity"):
        return result.resistance
    return result.other


_TIER_ORDER = {"Tier I": 0, "Tier II": 1, "Tier III": 2, "Tier IV": 3}


def _rank(finding: Finding) -> tuple[int, str, int, str]:
    """On-label first, then stronger tier and level, then a stable name order."""
    return (
        0 if finding.disease.on_label else 1,
        finding.tier.amp_level,
        _TIER_ORDER[finding.tier.amp_tier],
        finding.assertion.assertion_id,
    )


def recommendations(assessment: Assessment) -> list[Recommendation]:
    """One therapy recommendation per therapy × matched biomarker, strongest evidence first."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in assessment.options:
        therapy = finding.assertion.therapy.name if finding.assertion.therapy else ""
        groups[(therapy.lower(), finding.result.reason)].append(finding)
    ordered = sorted(groups.values(), key=lambda found: _rank(found[0]))
    return [
        _recommend(assessment, found, [g for g in ordered if g is not found]) for found in ordered
    ]


def _recommend(
    assessment: Assessment, found: Sequence[Finding], others: Sequence[Sequence[Finding]]
) -> Recommendation:
    best = found[0]
    therapy = best.assertion.therapy.name if best.assertion.therapy else "therapy"
    label = "on-label" if best.disease.on_label else "other tumour type (off-label)"
    statement = (
        f"{therapy}: {best.result.reason} — {best.tier.amp}, ESCAT {best.tier.escat}, {label}"
    )
    return Recommendation(
        patient_id=assessment.patient_id,
        kind=RecommendationKind.THERAPY,
        statement=statement,
        basis=tuple(_basis(best)),
        evidence=tuple(_citation(f) for f in found),
        alternatives=tuple(_alternative(g[0]) for g in others[:5]) or "none known",
        limitations=_limitations(found),
        intended_use=INTENDED_USE,
        generated_by=f"oncoboard actionability {__version__}; tier rule {best.tier.rule_id}",
        ai_generated=False,
    )


def _basis(finding: Finding) -> list[FactReference]:
    return [
        FactReference(
            label=_fact_label(fact.fact),
            fact_id=fact.fact_id,
            kind=fact.fact.kind,
            provenance=fact.provenance,
            match=str(finding.result.level),
        )
        for fact in finding.result.facts
    ]


def _fact_label(fact: object) -> str:
    from oncoboard.record.service import describe

    return describe(fact)  # type: ignore[arg-type]


def _citation(finding: Finding) -> Citation:
    reference = finding.assertion.references[0]
    identifier = f"PMID:{reference.pmid}" if reference.pmid else (reference.nct or reference.doi)
    release = finding.release
    return Citation(
        source=reference.citation,
        identifier=identifier,
        level=(
            f"{finding.assertion.source} {finding.assertion.source_level} → "
            f"{finding.tier.amp}, ESCAT {finding.tier.escat} ({finding.tier.rule})"
        ),
        knowledge_version=f"{release.release_id} sha256:{release.sha256[:12]}",
    )


def _alternative(finding: Finding) -> Alternative:
    therapy = finding.assertion.therapy.name if finding.assertion.therapy else "therapy"
    return Alternative(
        statement=f"{therapy} ({finding.result.reason})",
        why_not_first=f"{finding.tier.amp}, ESCAT {finding.tier.escat}; {finding.disease.reason}",
    )


def _limitations(found: Sequence[Finding]) -> str:
    best = found[0]
    notes = [f"Tumour-type match: {best.disease.reason}."]
    if best.result.level is not None and "low specificity" in best.result.level:
        notes.append("Gene-level evidence: low specificity, enabled explicitly.")
    notices = {f.release.notice for f in found if f.release.notice}
    notes.extend(sorted(notices))
    notes.append(
        "Only the listed knowledge-base releases were consulted; options undone by a "
        "co-occurring resistance alteration or documented progression on the drug were "
        "removed (the report lists them), other treatment history is not weighed."
    )
    return " ".join(notes)
