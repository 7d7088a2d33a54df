# SPDX-License-Identifier: Apache-2.0
"""Cohort definitions: "Part 2A: Advanced/metastatic NSCLC with KRAS non-G12C mutations".

A trial with several cohorts lists each one's disease, biomarker or prior-therapy definition as an
inclusion item under its label. Such an item is read like any inclusion, but its state means
"the patient fits this cohort": one cohort that does not fit excludes nobody, the patient is
excluded only when every cohort is known not to fit, and once one cohort fits the others are
alternatives that no longer hold the trial open. The same rule serves the explained match
(``trial_level``) and the registry index (``Counts``), so both rank a trial alike.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import numpy as np

from oncoboard.trials.schemas import Criterion, CriterionResult, CriterionState
from oncoboard.trials.scope import Shape

# "Part 1A:", "Cohort B:", "Arm 2:", "Group C1:", "Cohort 1 (dose expansion):" at the start of
# an inclusion item ("Part 2 only:", "Cohorts A and B:" are conditions, not definitions)
_LABEL = re.compile(
    r"^\s*(?P<label>(?:part|cohort|arm|group)\s+(?:[A-Z]|\d)[A-Za-z0-9.\-]{0,5})"
    r"(?:\s*\([^()]{1,40}\))?\s*:\s*",
    re.IGNORECASE,
)


_OTHER = re.compile(r"^\s*(?:all\s+)?other\b", re.IGNORECASE)


def label(text: str, section: str) -> tuple[str, int] | None:
    """The cohort label an inclusion item starts with, and where its definition begins."""
    if section != "inclusion":
        return None
    found = _LABEL.match(text)
    if found is None:
        return None
    words = found["label"].split()
    return f"{words[0].capitalize()} {words[1]}", found.end()


def defined(shaped: Shape, start: int) -> Shape:
    """The item's definition read as a requirement (the label blanked): it is the cohort, not a
    condition on some other cohort."""
    work = " " * start + shaped.work[start:]
    # "Part 1E: Other … solid tumors": other than the cohorts before, not another malignancy
    work = _OTHER.sub(lambda m: " " * len(m.group(0)), work, count=1)
    return dataclasses.replace(shaped, work=work, conditional=False)


def trial_level(
    results: Sequence[CriterionResult],
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[CriterionResult, ...]]:
    """(the cohort items that exclude together when none fits, the labels of the cohorts that
    fit, the results that count towards the verdict: alternatives of a fitting cohort do not)."""
    # an administrative item under a cohort label ("Part B: able to provide tissue") says
    # nothing about who fits it
    cohort = [r for r in results if r.cohort and r.category != "administrative"]
    if not cohort:
        return (), (), tuple(results)
    fitting = tuple(dict.fromkeys(str(r.cohort) for r in cohort if r.state is CriterionState.MET))
    none_fits = all(r.state is CriterionState.NOT_MET for r in cohort)
    excluded_by = tuple(r.criterion_id for r in cohort) if none_fits else ()
    alternatives = {id(r) for r in cohort} if fitting else set()
    counted = tuple(r for r in results if id(r) not in alternatives)
    return excluded_by, fitting, counted


def reason(cohort: str, state: CriterionState, said: str) -> str:
    """What a cohort item's state means for the clinician."""
    if state is CriterionState.MET:
        return f"fits {cohort}: {said}"
    if state is CriterionState.NOT_MET:
        return f"does not fit {cohort} (other cohorts may fit): {said}"
    return f"{cohort}: {said}"


@dataclasses.dataclass(frozen=True)
class Counts:
    """The registry-wide form of ``trial_level``, computed on the cohort entries only (a few
    among the registry's criteria)."""

    entries: np.ndarray  # positions of the cohort-definition entries
    trials: np.ndarray  # their trials
    none_fits: np.ndarray  # per trial: every cohort known not to fit
    fits: np.ndarray  # per trial: some cohort fits

    @classmethod
    def of(
        cls,
        states: np.ndarray,
        entries: np.ndarray,
        entry_trial: np.ndarray,
        open_cohorts: np.ndarray,
    ) -> Counts:
        n = len(open_cohorts)
        trials = entry_trial[entries]
        mine = states[entries]
        total = np.bincount(trials, minlength=n) + open_cohorts
        failing = np.bincount(trials[mine == 1], minlength=n)
        fits = np.bincount(trials[mine == 0], minlength=n) > 0
        none_fits = (total > 0) & (failing == total)
        return cls(entries=entries, trials=trials, none_fits=none_fits, fits=fits)

    def alternatives(self, mask: np.ndarray) -> np.ndarray:
        """Per trial, the entries in ``mask`` that are cohorts of a trial another cohort fits
        (they no longer count as open)."""
        chosen = mask[self.entries] & self.fits[self.trials]
        return np.bincount(self.trials[chosen], minlength=len(self.fits)).astype(np.int64)


def open_items(criteria: Sequence[Criterion]) -> int:
    """Cohort items no rule read (their fit is open: the trial cannot be excluded by cohorts);
    administrative ones are not cohort definitions (``trial_level``)."""
    return sum(
        1 for c in criteria if c.cohort and not c.constraints and c.category != "administrative"
    )
