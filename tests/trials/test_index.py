# SPDX-License-Identifier: Apache-2.0
"""The registry index (the fast path) gives every trial the verdict and counts of the full
criterion-by-criterion evaluation, on the real records and on random patients."""

from __future__ import annotations

import json
import random
from datetime import date

import pytest

from oncoboard.record.schemas import (
    AnyFact,
    Biomarker,
    CancerCondition,
    CopyNumberChange,
    Demographics,
    Fusion,
    PerformanceStatus,
    SomaticVariant,
    Treatment,
)
from oncoboard.trials import compact
from oncoboard.trials.constraints import structure
from oncoboard.trials.engine import Screening, TrialCriteria, explain, match_trial, rank
from oncoboard.trials.index import ScreenIndex
from oncoboard.trials.schemas import Eligibility, TrialMatch
from tests.trials.support import real_trials, record

pytestmark = pytest.mark.shared
TODAY = date(2026, 1, 15)
FIT = Demographics(sex="male", birth_date="1960-01-01")
ECOG_1 = PerformanceStatus(scale="ECOG", score=1)
SYNTHETIC = (
    "Inclusion Criteria:\n* ECOG 0-1\n* KRAS G12C or NRAS G12C mutation\n* Stage III or IV\n"
    "* EGFR wild-type\n* MSI-H or TMB-high\nExclusion Criteria:\n* Prior KRAS G12C inhibitor\n"
    "* Active brain metastases\n* Pregnant or breastfeeding\n* Known HER2-positive disease"
)


def _registry() -> list[TrialCriteria]:
    trials = [
        TrialCriteria.of(t.nct_id, t.version, t.brief_title, structure(t.eligibility))
        for t in real_trials().values()
    ]
    simple = "Inclusion Criteria:\n* ECOG 0-1\nExclusion Criteria:\n* Pregnant women"
    for sex, low, text in (("MALE", 18.0, SYNTHETIC), ("FEMALE", 50.0, SYNTHETIC),
                           ("ALL", None, SYNTHETIC), ("MALE", 18.0, simple)):  # fmt: skip
        eligibility = Eligibility(
            criteria_text=text, sex=sex, minimum_age_years=low,  # type: ignore[arg-type]
            maximum_age_years=75.0, minimum_age_text=None, maximum_age_text="75 Years",
            healthy_volunteers=False,
        )  # fmt: skip
        trials.append(
            TrialCriteria.of(
                f"NCT9{sex[:1]}{len(trials)}", "v", "synthetic", structure(eligibility)
            )
        )
    return trials


def _random_patient(rng: random.Random, n: int) -> list[AnyFact]:
    pick = rng.choice
    facts: list[AnyFact | None] = [
        pick([None, Demographics(sex=pick(["female", "male", None]),
                                 birth_date=f"{rng.randint(1935, 2015)}-06-01")]),
        pick([None, CancerCondition(oncotree_code=pick(["LUAD", "PAAD", "COAD", "BRCA", "NSCLC"]),
                                    stage=pick([None, "IIIB", "IV", "II"]))]),
        pick([None, CancerCondition(display="brain metastasis", is_primary=False)]),
        pick([None, PerformanceStatus(scale=pick(["ECOG", "Karnofsky"]), score=rng.randint(0, 3))]),
        pick([None, Biomarker(name=pick(["MSI", "TMB", "HER2"]), value_text=pick(["high", "negative", "+"]),
                              value_number=pick([None, 4.0, 14.0]))]),
        pick([None, CopyNumberChange(genome_build="GRCh38", gene="ERBB2", change="amplification")]),
        pick([None, Fusion(genome_build="GRCh38", gene_5p="EML4", gene_3p="ALK")]),
    ]  # fmt: skip
    for _ in range(rng.randint(0, 3)):
        gene, change = pick([("KRAS", "p.G12C"), ("KRAS", "p.G12D"), ("NRAS", "p.G12C"),
                             ("EGFR", "p.L858R"), ("TP53", "p.R273H"), ("KRAS", "p.G13D")])  # fmt: skip
        facts.append(SomaticVariant(genome_build="GRCh38", gene=gene, hgvs_p=change))
    for _ in range(rng.randint(0, 3)):
        drug = pick(["sotorasib", "carboplatin", "pembrolizumab", "osimertinib", "palbociclib"])
        facts.append(
            Treatment(category="medication", name=drug, start=f"202{n % 5}-0{rng.randint(1, 9)}-01")
        )
    return [f for f in facts if f is not None]


def _summary(m: TrialMatch) -> tuple[object, ...]:
    return (m.nct_id, m.verdict, m.excluded_by, m.met, m.unknown, m.needs_review)


def test_index_equals_full_evaluation_on_real_records_and_random_patients() -> None:
    trials = _registry()
    # the stored payload path: JSON out and back, as the database holds it
    payloads = [json.loads(json.dumps(compact.encode(t.criteria))) for t in trials]
    index = ScreenIndex([t.head() for t in trials], [compact.decode(p) for p in payloads])  # type: ignore[misc]
    rng = random.Random(7)
    verdicts = set()
    for n in range(60):
        facts = _random_patient(rng, n) if n else [FIT]  # FIT: a candidate of the last trial
        patient = record(f"PT-{n}", *facts, *([ECOG_1] if not n else []))
        full = rank([match_trial(t, Screening.of(patient, TODAY)) for t in trials])
        fast = explain(index, Screening.of(patient, TODAY), 0, lambda positions: [])
        assert [_summary(m) for m in fast] == [_summary(m) for m in full], n
        verdicts |= {m.verdict for m in full}
    assert len(verdicts) == 3  # the patients reach candidate, needs-review and excluded trials


def test_explained_trials_are_the_full_evaluation() -> None:
    trials = _registry()
    index = ScreenIndex(
        [t.head() for t in trials], [compact.of_criteria(t.criteria) for t in trials]
    )
    patient = record("PT-1", Demographics(sex="female", birth_date="1960-01-01"),
                     SomaticVariant(genome_build="GRCh38", gene="KRAS", hgvs_p="p.G12C"))  # fmt: skip
    screening = Screening.of(patient, TODAY)
    out = explain(index, screening, 3, lambda positions: [trials[p] for p in positions])
    assert [len(m.criteria) > 0 for m in out] == [True] * 3 + [False] * (len(trials) - 3)
    by_id = {t.nct_id: t for t in trials}
    for m in out[:3]:
        assert m == match_trial(by_id[m.nct_id], Screening.of(patient, TODAY))
