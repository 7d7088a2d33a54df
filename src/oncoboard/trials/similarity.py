# SPDX-License-Identifier: Apache-2.0
"""Text similarity between a patient and the registry's trials, the tie-breaker after decided fit.

Uses the ranking package's public ``PoolRanker`` (``trials.ranking.engine``) with its BM25-only
settings: a page view never embeds trials with the transformer model (first-time embedding of a
registry takes minutes on CPU; see docs/benchmarks.md, "Trial ranking"). The patient's text is
written from the record: age, sex, diagnoses with stage, alterations, markers and treatments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from oncoboard.record.cancers import cancers
from oncoboard.record.demographics import merge
from oncoboard.record.labels import describe
from oncoboard.record.schemas import PatientRecord

_RANKERS: dict[tuple[object, ...], Any] = {}


def patient_text(record: PatientRecord, today: Any) -> str:
    """A short case description from the record (what a clinician would type into a search)."""
    demo = merge(record.demographics, today)
    parts = []
    if demo.age is not None or demo.sex is not None:
        age = f"{demo.age[0]:g}-year-old " if demo.age else ""
        parts.append(f"{age}{demo.sex[0] if demo.sex else 'patient'}")
    for cancer in cancers(record):
        stage = f" stage {cancer.staging.recorded}" if cancer.staging.recorded else ""
        parts.append(f"{cancer.condition.display or cancer.condition.oncotree_code}{stage}")
        parts += [describe(m.fact) for m in cancer.metastases]
    for section in (record.variants, record.copy_numbers, record.fusions, record.biomarkers):
        parts += [describe(f.fact) for f in section[:30]]
    parts += [describe(f.fact) for f in record.treatments[:20]]
    return "; ".join(parts)


def trial_text(record: Mapping[str, Any]) -> str:
    """Title, conditions, interventions and eligibility text of a stored CT.gov record."""
    eligibility = record.get("eligibility") or {}
    return " ".join(
        str(x)
        for x in (
            record.get("brief_title"),
            record.get("official_title"),
            " ".join(record.get("conditions") or ()),
            " ".join(record.get("interventions") or ()),
            eligibility.get("criteria_text"),
        )
        if x
    )


def scores(
    fingerprint: tuple[object, ...],
    corpus: Callable[[], Mapping[str, str]],
    query: str,
    pool: Sequence[str],
) -> dict[str, float]:
    """Score of each trial of ``pool`` for ``query`` (higher is closer); one index per registry
    content (``fingerprint``), built from ``corpus`` the first time."""
    from oncoboard.trials.ranking.engine import BM25_ONLY, PoolRanker

    ranker = _RANKERS.get(fingerprint)
    if ranker is None:
        _RANKERS.clear()
        ranker = _RANKERS[fingerprint] = PoolRanker(dict(corpus()), BM25_ONLY)
    known = [nct for nct in pool if nct in ranker.position]
    if not known or not query.strip():
        return {}
    return dict(zip(known, (float(s) for s in ranker.score(query, known)), strict=True))
