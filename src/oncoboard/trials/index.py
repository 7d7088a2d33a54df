# SPDX-License-Identifier: Apache-2.0
"""The whole registry's structured criteria as flat arrays, for screening one patient at a time.

Every structured criterion of every trial is one entry (trial, plan, inclusion?). A patient's
state is computed once per distinct plan (``engine.plan_state``, the same rule ``judge`` uses),
then numpy counts the met / unknown / needs-review / excluding entries per trial. Every trial gets
its verdict from all its criteria: nothing is skipped, only shared work is not repeated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from oncoboard.trials import cohorts
from oncoboard.trials.compact import Compact, Plan
from oncoboard.trials.schemas import CriterionState, Verdict

_CODE = {
    CriterionState.MET: 0,
    CriterionState.NOT_MET: 1,
    CriterionState.UNKNOWN: 2,
    CriterionState.NEEDS_REVIEW: 3,
}
_VERDICTS = (Verdict.CANDIDATE, Verdict.NEEDS_REVIEW, Verdict.EXCLUDED)


@dataclass(frozen=True)
class Head:
    nct_id: str
    version: str
    brief_title: str


# One trial's verdict and counts as ``match_trial`` gives them, without explanations:
# (position, verdict, met, unknown, needs_review, excluded_by)
Quick = tuple[int, Verdict, int, int, int, tuple[str, ...]]


class ScreenIndex:
    """Built once per registry content; ``rank`` is the per-patient work."""

    def __init__(self, heads: Sequence[Head], compacts: Sequence[Compact]) -> None:
        self.heads = tuple(heads)
        slots: dict[int, int] = {}
        plans: list[Plan] = []
        trial, plan, inclusion, ids, cohort = [], [], [], [], []
        for position, compact in enumerate(compacts):
            for criterion_id, entry in compact.entries:
                cohort.append(criterion_id in compact.cohort_ids)
                slot = slots.get(id(entry))
                if slot is None:
                    slot = slots[id(entry)] = len(plans)
                    plans.append(entry)
                trial.append(position)
                plan.append(slot)
                inclusion.append(entry[0])
                ids.append(criterion_id)
        self.plans = tuple(plans)
        self.entry_trial = np.array(trial, dtype=np.int64)
        self.entry_plan = np.array(plan, dtype=np.int64)
        self.entry_inclusion = np.array(inclusion, dtype=bool)
        self.entry_id = tuple(ids)
        self.unstructured = np.array([c.unstructured for c in compacts], dtype=np.int64)
        # the few cohort-definition entries, by position (``cohorts``)
        self.cohort_entries = np.flatnonzero(np.array(cohort, dtype=bool))
        self.open_cohorts = np.array([c.open_cohorts for c in compacts], dtype=np.int64)
        order = sorted(range(len(self.heads)), key=lambda i: self.heads[i].nct_id)
        self.nct_rank = np.empty(len(order), dtype=np.int64)
        self.nct_rank[order] = np.arange(len(order))

    def rank(self, state: Callable[[Plan], CriterionState]) -> list[Quick]:
        """Candidates, then needs-review, then excluded; more met, fewer unknown, NCT id."""
        n = len(self.heads)
        codes = np.fromiter(
            (_CODE[state(p)] for p in self.plans), dtype=np.int8, count=len(self.plans)
        )
        s = codes[self.entry_plan] if len(self.plans) else np.zeros(0, dtype=np.int8)
        favourable = np.where(self.entry_inclusion, s == 0, s == 1)
        excludes = np.where(self.entry_inclusion, s == 1, s == 0)
        met = self._count(favourable, n)
        unknown = self._count(s == 2, n)
        review = self._count(s == 3, n)
        # a cohort item that does not fit excludes only with all the others (``cohorts``)
        cohort = cohorts.Counts.of(s, self.cohort_entries, self.entry_trial, self.open_cohorts)
        excludes[self.cohort_entries] = False
        unknown -= cohort.alternatives(s == 2)
        review -= cohort.alternatives(s == 3)
        excluded = self._count(excludes, n) + cohort.none_fits
        verdict = np.where(excluded > 0, 2, np.where(unknown + review > 0, 1, 0))
        review = review + self.unstructured - np.where(cohort.fits, self.open_cohorts, 0)
        by_trial: dict[int, list[str]] = {}
        no_cohort = cohort.entries[cohort.none_fits[cohort.trials]]
        for entries in (np.flatnonzero(excludes), no_cohort):  # as ``match_trial`` lists them
            for entry in entries.tolist():
                by_trial.setdefault(int(self.entry_trial[entry]), []).append(self.entry_id[entry])
        order = np.lexsort((self.nct_rank, unknown, -met, verdict))
        met_l, unknown_l, review_l, verdict_l = (
            met.tolist(), unknown.tolist(), review.tolist(), verdict.tolist(),
        )  # fmt: skip
        none: tuple[str, ...] = ()
        return [
            (i, _VERDICTS[verdict_l[i]], met_l[i], unknown_l[i], review_l[i],
             tuple(by_trial[i]) if i in by_trial else none)
            for i in order.tolist()
        ]  # fmt: skip

    def _count(self, mask: np.ndarray, n: int) -> np.ndarray:
        return np.bincount(self.entry_trial[mask], minlength=n).astype(np.int64)
