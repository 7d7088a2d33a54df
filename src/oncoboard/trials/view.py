# SPDX-License-Identifier: Apache-2.0
"""The patient's record read once for screening, and the shape of one constraint's answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from oncoboard.actionability.facts import PatientFacts
from oncoboard.record.schemas import (
    CancerCondition,
    Demographics,
    PatientRecord,
    PerformanceStatus,
    RecordedFact,
    Treatment,
)
from oncoboard.record.service import describe
from oncoboard.trials.schemas import ConstraintResult, FactUsed

_ISO_AGE = re.compile(r"^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+)M)?", re.IGNORECASE)


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
    facts: PatientFacts
    age: tuple[float, RecordedFact] | None
    sex: tuple[str, RecordedFact] | None
    conditions: tuple[tuple[CancerCondition, RecordedFact], ...]
    ecog: tuple[int, RecordedFact] | None
    karnofsky_only: bool
    treatments: tuple[tuple[str, RecordedFact], ...]
    has_genomics: bool

    @classmethod
    def build(cls, record: PatientRecord, facts: PatientFacts, today: date) -> PatientView:
        demo = next((f for f in record.demographics if isinstance(f.fact, Demographics)), None)
        scores = [f for f in record.performance_status if isinstance(f.fact, PerformanceStatus)]
        ecog = sorted(
            (f for f in scores if f.fact.scale == "ECOG"),  # type: ignore[union-attr]
            key=lambda f: getattr(f.fact, "effective", None) or "",
        )
        return cls(
            patient_id=record.patient_id,
            facts=facts,
            age=_age(demo, today),
            sex=_sex(demo),
            conditions=tuple(
                (f.fact, f) for f in record.conditions if isinstance(f.fact, CancerCondition)
            ),
            ecog=(ecog[-1].fact.score, ecog[-1]) if ecog else None,  # type: ignore[union-attr]
            karnofsky_only=bool(scores) and not ecog,
            treatments=tuple(
                (f.fact.name.lower(), f)
                for f in record.treatments
                if isinstance(f.fact, Treatment) and f.fact.category == "medication"
            ),
            has_genomics=bool(facts.variants or facts.copy_numbers or facts.fusions),
        )


def _age(demo: RecordedFact | None, today: date) -> tuple[float, RecordedFact] | None:
    if demo is None or not isinstance(demo.fact, Demographics):
        return None
    fact = demo.fact
    if fact.age:
        found = _ISO_AGE.match(fact.age.strip())
        if found and (found.group(1) or found.group(2)):
            return float(found.group(1) or 0) + float(found.group(2) or 0) / 12, demo
        try:
            return float(fact.age), demo
        except ValueError:
            pass
    if fact.birth_date:
        try:
            born = date.fromisoformat(fact.birth_date[:10])
        except ValueError:
            return None
        years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        return float(years), demo
    return None


def _sex(demo: RecordedFact | None) -> tuple[str, RecordedFact] | None:
    if demo is None or not isinstance(demo.fact, Demographics) or not demo.fact.sex:
        return None
    value = demo.fact.sex.strip().lower()
    sex = {"f": "female", "female": "female", "m": "male", "male": "male"}.get(value)
    return (sex, demo) if sex else None


def answer(holds: bool | None, reason: str, *facts: RecordedFact, missing: str | None = None,
           flags: tuple[str, ...] = (), kind: str = "") -> ConstraintResult:  # fmt: skip
    return ConstraintResult(
        constraint_type=kind, holds=holds, reason=reason, missing=missing, flags=flags,
        facts=tuple(used(f) for f in facts),
    )  # fmt: skip
