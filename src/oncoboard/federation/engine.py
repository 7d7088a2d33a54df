# SPDX-License-Identifier: Apache-2.0
"""Pure rules of federated research: what a record contributes to the research index, what a
site may release for a true count, and how the coordinator adds site answers up.

Disclosure control follows the statistical-disclosure practice the issue asks for: counts below
the site threshold are released only as a range; an exact count that would differ from one
already released by fewer than the threshold is also released only as a range (the differencing
attack: two exact answers whose difference isolates a patient); with differential privacy on,
counts carry discrete Laplace noise (OpenDP) and nothing is released exactly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from oncoboard.errors import InputError
from oncoboard.federation.schemas import (
    BudgetState,
    CountAnswer,
    EntryType,
    Granularity,
    SiteResult,
)
from oncoboard.federation.terms import normalise_sex, normalise_stage, treatment_classes_of
from oncoboard.record.genomics import ProteinChange

_ISO_YEARS = re.compile(r"^P(\d{1,3})Y")


@dataclass
class IndexEntry:
    """What one patient contributes to the research index."""

    patient_id: int
    sex: str | None = None
    birth_date: date | None = None
    age_years: int | None = None
    diagnoses: set[tuple[str, str | None, str | None]] = field(default_factory=set)
    treatment_classes: set[str] = field(default_factory=set)
    variants: set[
        tuple[str, str | None, int | None, str | None, str | None, str | None, str | None, str]
    ] = field(default_factory=set)


def index_entry(patient_id: int, facts: Iterable[tuple[str, Mapping[str, Any]]]) -> IndexEntry:
    """Fold a patient's facts (kind, payload) into its index entry."""
    entry = IndexEntry(patient_id)
    for kind, payload in facts:
        handler = _FOLD.get(kind)
        if handler is not None:
            handler(entry, payload)
    return entry


def _demographics(entry: IndexEntry, payload: Mapping[str, Any]) -> None:
    entry.sex = entry.sex or normalise_sex(payload.get("sex"))
    born = _date(payload.get("birth_date"))
    entry.birth_date = entry.birth_date or born
    match = _ISO_YEARS.match(str(payload.get("age") or ""))
    if match and entry.age_years is None:
        entry.age_years = int(match[1])


def _condition(entry: IndexEntry, payload: Mapping[str, Any]) -> None:
    code = payload.get("oncotree_code")
    if code:
        stage = normalise_stage(payload.get("stage"))
        entry.diagnoses.add((str(code).upper(), *(stage or (None, None))))


def _treatment(entry: IndexEntry, payload: Mapping[str, Any]) -> None:
    entry.treatment_classes |= treatment_classes_of(
        str(payload.get("category", "")), str(payload.get("name", ""))
    )


def _variant(entry: IndexEntry, payload: Mapping[str, Any]) -> None:
    ref, alt = payload.get("ref"), payload.get("alt")
    if (ref is not None and len(str(ref)) > 200) or (alt is not None and len(str(alt)) > 200):
        ref = alt = None  # a long indel stays searchable by gene, not by allele
    chrom = payload.get("chrom")
    chrom = str(chrom).removeprefix("chr").upper() if chrom else None
    gene = payload.get("gene")
    entry.variants.add(
        (
            str(payload["genome_build"]),
            chrom,
            payload.get("pos"),
            str(ref).upper() if ref else None,
            str(alt).upper() if alt else None,
            str(gene).upper() if gene else None,
            _protein(payload.get("hgvs_p")),
            str(payload.get("origin") or "unknown"),
        )
    )


_FOLD = {
    "demographics": _demographics,
    "condition": _condition,
    "treatment": _treatment,
    "variant": _variant,
}


def _protein(text: object) -> str | None:
    if not text:
        return None
    try:
        return ProteinChange.parse(str(text)).short
    except InputError:
        return None


def _date(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def birth_date_bounds(
    age_min: int | None, age_max: int | None, today: date
) -> tuple[date | None, date | None]:
    """Birth dates of people aged ``age_min``–``age_max`` whole years on ``today``."""
    latest = _years_before(today, age_min) if age_min is not None else None
    earliest = None
    if age_max is not None:
        earliest = date.fromordinal(_years_before(today, age_max + 1).toordinal() + 1)
    return earliest, latest


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# ---------------------------------------------------------------- what a site releases


@dataclass(frozen=True)
class Released:
    """A true count turned into what may leave the site."""

    answer: CountAnswer
    exact_members: bool  # True when the exact count was released (log it for differencing)


def release(
    *,
    entry_type: EntryType,
    true_count: int,
    granularity: Granularity,
    min_count: int,
    differs_slightly: bool = False,
) -> Released:
    """Threshold rule without noise. ``exists`` is always the truth (the Beacon base tier); a
    count is exact only when at or above ``min_count`` and not within ``min_count`` of an
    earlier exact answer about a different set of patients."""
    base = {"entry_type": entry_type, "exists": true_count > 0, "min_count": min_count}
    if true_count == 0:
        counted = granularity == "count"
        return Released(
            CountAnswer(
                **base,
                granularity=granularity,
                count=0 if counted else None,
                low=0,
                high=0,
                exact=counted,
            ),
            exact_members=False,
        )
    if granularity == "boolean":
        return Released(
            CountAnswer(**base, granularity="boolean", low=1, high=None, exact=False),
            exact_members=False,
        )
    if true_count < min_count:
        return Released(
            CountAnswer(
                **base,
                granularity="boolean",
                low=1,
                high=min_count - 1,
                exact=False,
                reason=f"fewer than {min_count}: the site releases no exact small count",
            ),
            exact_members=False,
        )
    if differs_slightly:
        low = true_count // min_count * min_count
        return Released(
            CountAnswer(
                **base,
                granularity="boolean",
                low=low,
                high=low + min_count - 1,
                exact=False,
                reason=f"within {min_count - 1} of an earlier answer about other patients: "
                "released as a range so that differencing cannot isolate anyone",
            ),
            exact_members=False,
        )
    return Released(
        CountAnswer(
            **base,
            granularity="count",
            count=true_count,
            low=true_count,
            high=true_count,
            exact=True,
        ),
        exact_members=True,
    )


def release_noisy(
    *,
    entry_type: EntryType,
    noisy_count: int,
    granularity: Granularity,
    min_count: int,
    epsilon: float,
    budget: BudgetState,
) -> CountAnswer:
    """Differentially private release: everything is derived from the noisy count
    (post-processing keeps the guarantee), including ``exists``."""
    value = max(0, noisy_count)
    error = noise_error95(1.0 / epsilon)
    common = {
        "entry_type": entry_type,
        "min_count": min_count,
        "noisy": True,
        "epsilon": epsilon,
        "error95": error,
        "budget": budget,
        "exact": False,
    }
    if granularity == "count" and value >= min_count:
        return CountAnswer(
            **common,
            exists=True,
            granularity="count",
            count=value,
            low=max(0, value - error),
            high=value + error,
        )
    return CountAnswer(
        **common,
        exists=value > 0,
        granularity="boolean",
        low=0,
        high=min_count - 1 if value < min_count else value + error,
        reason=f"noisy count below {min_count}: released as a range",
    )


def noise_error95(scale: float) -> int:
    """Half-width k with P(|X| ≥ k+1) ≤ 5 % for discrete Laplace noise of ``scale``:
    P(|X| ≥ k) = 2·a^k / (1 + a), a = exp(−1/scale)."""
    a = math.exp(-1.0 / scale)
    k = math.log(0.05 * (1 + a) / 2) / math.log(a)
    return max(0, math.ceil(k) - 1)


def symmetric_difference(members: Sequence[int], other: Sequence[int]) -> int:
    """|A Δ B| of two sorted id sequences."""
    mine, theirs = set(members), set(other)
    return len(mine ^ theirs)


# ---------------------------------------------------------------- what a coordinator totals


@dataclass(frozen=True)
class Total:
    low: int
    high: int | None
    exact: bool
    noisy: bool
    exists: bool
    answered: int


def total(results: Sequence[SiteResult]) -> Total:
    """Sum the sites that answered: exact counts add up exactly, ranges (and the 95 % noise
    intervals of private counts) add up to a range; an open range stays open."""
    answers = [r.answer for r in results if r.status == "answered" and r.answer is not None]
    highs = [a.high for a in answers]
    return Total(
        low=sum(a.low for a in answers),
        high=None if any(h is None for h in highs) else sum(h or 0 for h in highs),
        exact=bool(answers) and all(a.exact for a in answers),
        noisy=any(a.noisy for a in answers),
        exists=any(a.exists for a in answers),
        answered=len(answers),
    )
