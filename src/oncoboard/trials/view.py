# SPDX-License-Identifier: Apache-2.0
"""The patient's record read once for screening, and the shape of one constraint's answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from oncoboard.actionability.facts import PatientFacts
from oncoboard.record import cancers as record_cancers
from oncoboard.record.cancers import Cancer
from oncoboard.record.demographics import MergedDemographics, merge
from oncoboard.record.labels import describe
from oncoboard.record.schemas import (
    CancerCondition,
    ClinicalFinding,
    GeneTesting,
    LabResult,
    PatientRecord,
    PerformanceStatus,
    RecordedFact,
    Treatment,
)
from oncoboard.trials.schemas import ConstraintResult, FactUsed


def used(fact: RecordedFact) -> FactUsed:
    return FactUsed(
        label=describe(fact.fact),
        fact_id=fact.fact_id,
        kind=fact.fact.kind,
        source_name=fact.provenance.source_name,
        locator=fact.provenance.locator,
    )


@dataclass(frozen=True)
class PatientView:
    """The record read once per patient, indexed for the constraint checks."""

    patient_id: str
    today: date
    facts: PatientFacts
    demographics: MergedDemographics
    conditions: tuple[tuple[CancerCondition, RecordedFact], ...]
    cancers: tuple[Cancer, ...]
    ecog: tuple[int, RecordedFact] | None
    karnofsky_only: bool
    treatments: tuple[tuple[str, RecordedFact], ...]
    has_genomics: bool
    labs: tuple[tuple[LabResult, RecordedFact], ...] = ()
    findings: tuple[tuple[ClinicalFinding, RecordedFact], ...] = ()
    gene_tests: tuple[tuple[GeneTesting, RecordedFact], ...] = ()
    # every recorded treatment (medicines, procedures, radiotherapy courses)
    therapy_history: tuple[RecordedFact, ...] = ()

    @classmethod
    def build(cls, record: PatientRecord, facts: PatientFacts, today: date) -> PatientView:
        scores = [f for f in record.performance_status if isinstance(f.fact, PerformanceStatus)]
        ecog = sorted(
            (f for f in scores if f.fact.scale == "ECOG"),  # type: ignore[union-attr]
            key=lambda f: getattr(f.fact, "effective", None) or "",
        )
        return cls(
            patient_id=record.patient_id,
            today=today,
            facts=facts,
            demographics=merge(record.demographics, today),
            conditions=tuple(
                (f.fact, f) for f in record.conditions if isinstance(f.fact, CancerCondition)
            ),
            cancers=tuple(record_cancers.cancers(record)),
            ecog=(ecog[-1].fact.score, ecog[-1]) if ecog else None,  # type: ignore[union-attr]
            karnofsky_only=bool(scores) and not ecog,
            treatments=tuple(
                (f.fact.name.lower(), f)
                for f in record.treatments
                if isinstance(f.fact, Treatment) and f.fact.category == "medication"
            ),
            has_genomics=bool(facts.variants or facts.copy_numbers or facts.fusions),
            labs=tuple((f.fact, f) for f in record.labs if isinstance(f.fact, LabResult)),
            findings=tuple(
                (f.fact, f) for f in record.findings if isinstance(f.fact, ClinicalFinding)
            ),
            gene_tests=tuple(
                (f.fact, f) for f in record.gene_tests if isinstance(f.fact, GeneTesting)
            ),
            therapy_history=tuple(f for f in record.treatments if isinstance(f.fact, Treatment)),
        )

    @property
    def age(self) -> tuple[float, RecordedFact] | None:
        return self.demographics.age

    @property
    def sex(self) -> tuple[str, RecordedFact] | None:
        return self.demographics.sex

    @property
    def active_cancers(self) -> tuple[Cancer, ...]:
        """The cancers being treated (all primaries when none is marked active)."""
        active = tuple(c for c in self.cancers if c.active)
        return active or self.cancers

    def tested(self, gene: str) -> tuple[str, tuple[RecordedFact, ...]] | None:
        """How the record shows ``gene`` was examined: a panel or pertinent negative naming it,
        or a reported variant in it; None when nothing shows it was tested."""
        panels = [(t, f) for t, f in self.gene_tests if gene in t.genes]
        if panels:
            names = ", ".join(dict.fromkeys(t.test or "gene test" for t, _ in panels))
            return f"{gene} examined by {names}", tuple(f for _, f in panels)
        reported = [f for f, _ in self.facts.gene_variant_facts(gene)]
        if reported:
            return f"{gene} variant(s) reported", tuple(reported)
        return None


def answer(holds: bool | None, reason: str, *facts: RecordedFact, missing: str | None = None,
           flags: tuple[str, ...] = (), kind: str = "") -> ConstraintResult:  # fmt: skip
    return ConstraintResult(
        constraint_type=kind, holds=holds, reason=reason, missing=missing, flags=flags,
        facts=tuple(used(f) for f in facts),
    )  # fmt: skip
