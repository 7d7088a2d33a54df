# SPDX-License-Identifier: Apache-2.0
"""Pure screening: one patient's facts against a trial's structured criteria, explained.

Each constraint answers holds / does not hold / unknown (which data is missing). A criterion
combines its constraints (any-of groups, AND-ed); leftover words make it partial: for an
inclusion they can only add requirements (a met structured part becomes needs-review), for an
exclusion only add reasons to exclude (a structured part that does not hold becomes
needs-review). Nothing unstructured is ever passed silently.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from oncoboard.actionability.facts import PatientFacts
from oncoboard.record.schemas import PatientRecord
from oncoboard.runtime import collector_paused
from oncoboard.trials import branches, cohorts, compact, decide
from oncoboard.trials.compact import Plan
from oncoboard.trials.evaluate import PatientView, evaluate
from oncoboard.trials.index import Head, ScreenIndex
from oncoboard.trials.schemas import (
    ConstraintResult,
    Criterion,
    CriterionResult,
    CriterionState,
    TrialMatch,
    Verdict,
)


@dataclass(frozen=True)
class TrialCriteria:
    """What matching needs of one stored trial (constraints precomputed at import)."""

    nct_id: str
    version: str
    brief_title: str
    criteria: tuple[Criterion, ...]

    @classmethod
    def of(
        cls, nct_id: str, version: str, title: str, criteria: tuple[Criterion, ...]
    ) -> TrialCriteria:
        """Constraints interned (``compact``): the objects the registry index screens with, so
        the answers computed for ranking are looked up by identity when explaining."""
        return cls(nct_id, version, title, tuple(_interned(c) for c in criteria))

    def head(self) -> Head:
        return Head(self.nct_id, self.version, self.brief_title)


def _interned(criterion: Criterion) -> Criterion:
    if not criterion.constraints:
        return criterion
    shared = tuple(
        s.model_copy(
            update={"constraint": compact.constraint(s.constraint.model_dump(mode="json"))}
        )
        for s in criterion.constraints
    )
    return criterion.model_copy(update={"constraints": shared})


@dataclass
class Screening:
    """One patient's view plus a memo of constraint answers (trials share many constraints)."""

    view: PatientView
    memo: dict[int, ConstraintResult] = field(default_factory=dict)
    states: dict[int, CriterionState] = field(default_factory=dict)

    @classmethod
    def of(cls, record: PatientRecord, today: date) -> Screening:
        return cls(view=PatientView.build(record, PatientFacts.from_record(record), today))

    def answer(self, constraint: object) -> ConstraintResult:
        key = id(constraint)  # constraints live as long as the trials (interned): ids are stable
        found = self.memo.get(key)
        if found is None:
            found = evaluate(constraint, self.view)
            self.memo[key] = found
        return found


def match_trial(trial: TrialCriteria, screening: Screening) -> TrialMatch:
    """Every criterion judged, then the trial-level verdict."""
    results = tuple(judge(c, screening) for c in trial.criteria)
    no_cohort, fitting, counted = cohorts.trial_level(results)
    excluded_by = (*(r.criterion_id for r in results if r.excludes), *no_cohort)
    structured = [r for r in counted if r.results]
    if excluded_by:
        verdict = Verdict.EXCLUDED
    elif any(r.state in (CriterionState.UNKNOWN, CriterionState.NEEDS_REVIEW) for r in structured):
        verdict = Verdict.NEEDS_REVIEW
    else:
        verdict = Verdict.CANDIDATE
    return TrialMatch.model_construct(
        nct_id=trial.nct_id,
        version=trial.version,
        brief_title=trial.brief_title,
        verdict=verdict,
        excluded_by=excluded_by,
        met=sum(1 for r in results if r.results and _favourable(r)),
        unknown=sum(1 for r in counted if r.state is CriterionState.UNKNOWN),
        needs_review=sum(
            1
            for r in counted
            if r.state is CriterionState.NEEDS_REVIEW and r.category != "administrative"
        ),
        criteria=results,
        cohorts_fitting=fitting,
    )


def match_all(
    trials: Sequence[TrialCriteria], screening: Screening, detail: int | None = None
) -> list[TrialMatch]:
    """Ranked: candidates, then needs-review, then excluded; more met criteria first.

    Every trial is ranked on criterion states alone (``index.ScreenIndex``); the explained
    results (reasons, facts used) are built for the first ``detail`` trials only.
    """
    trials = list(trials)
    index = ScreenIndex(
        [t.head() for t in trials], [compact.of_criteria(t.criteria) for t in trials]
    )
    return explain(index, screening, detail, lambda positions: [trials[p] for p in positions])


def explain(
    index: ScreenIndex,
    screening: Screening,
    detail: int | None,
    full: Callable[[list[int]], Sequence[TrialCriteria | None]],
) -> list[TrialMatch]:
    """The index's ranking; ``full(positions)`` gives the criteria of the trials explained."""
    with collector_paused():
        ranked = index.rank(lambda plan: plan_state(plan, screening))
        positions = [q[0] for q in (ranked if detail is None else ranked[:detail])]
        explained = dict(zip(positions, full(positions), strict=True))
        heads = index.heads
        out = []
        for position, verdict, met, unknown, review, excluded_by in ranked:
            trial = explained.get(position)
            if trial is not None:
                out.append(match_trial(trial, screening))
                continue
            head = heads[position]
            out.append(
                compact.build(TrialMatch, {
                    "nct_id": head.nct_id, "version": head.version, "brief_title": head.brief_title,
                    "verdict": verdict, "excluded_by": excluded_by, "met": met, "unknown": unknown,
                    "needs_review": review, "criteria": (),
                })
            )  # fmt: skip
        return out


_ORDER = {Verdict.CANDIDATE: 0, Verdict.NEEDS_REVIEW: 1, Verdict.EXCLUDED: 2}


def rank(matches: Sequence[TrialMatch]) -> list[TrialMatch]:
    return sorted(matches, key=lambda m: (_ORDER[m.verdict], -m.met, m.unknown, m.nct_id))


def _favourable(result: CriterionResult) -> bool:
    wanted = CriterionState.MET if result.section == "inclusion" else CriterionState.NOT_MET
    return result.state is wanted


def judge(criterion: Criterion, screening: Screening) -> CriterionResult:
    """One criterion's state with its reason; for exclusions MET means "applies: excludes"."""
    if not criterion.constraints:
        if criterion.category == "administrative":
            return _result(
                criterion, CriterionState.NEEDS_REVIEW,
                "administrative: confirmed at enrolment, not from the record",
            )  # fmt: skip
        if criterion.category == "clinician_judgement":
            return _result(
                criterion, CriterionState.NEEDS_REVIEW,
                "clinician judgement: no record decides this (life expectancy, the "
                "investigator's opinion, a function the registry text does not define)",
            )  # fmt: skip
        return _result(
            criterion,
            CriterionState.NEEDS_REVIEW,
            f"not structured ({criterion.not_structured_because or 'no rule'}): review the text",
        )
    answers = tuple(screening.answer(s.constraint) for s in criterion.constraints)
    parts = [
        (
            s.group,
            decide.flip(a.holds, s.negated),
            s.constraint.type,
            decide.DECISIVE in a.flags,
            s.subject,
        )
        for s, a in zip(criterion.constraints, answers, strict=True)
    ]
    state, holds, mode = decide.evaluate(_flags(criterion), parts)
    reason = (
        _narrowed_reason(state, answers)
        if mode == "narrowed"
        else _reason(criterion, state, holds, answers, mode)
    )
    if mode.startswith("branch:"):
        reason = branches.reason(criterion, answers, mode, state, reason)
    if criterion.cohort:
        reason = cohorts.reason(criterion.cohort, state, reason)
    flags = tuple(dict.fromkeys(f for a in answers for f in a.flags if f != decide.DECISIVE))
    if any(s.negated for s in criterion.constraints):
        flags = (*flags, "negated")
    return _result(criterion, state, reason, answers, flags)


def _flags(criterion: Criterion) -> tuple[bool, ...]:
    return (criterion.section == "inclusion", *(getattr(criterion, f) for f in compact.FLAGS[1:]))


def plan_state(plan: Plan, screening: Screening) -> CriterionState:
    """A criterion's state from its plan alone (as ``judge`` decides it), memoised per plan."""
    found = screening.states.get(id(plan))
    if found is None:
        found = screening.states[id(plan)] = _plan_state(plan, screening)
    return found


def _plan_state(plan: Plan, screening: Screening) -> CriterionState:
    flags, parts = plan[:-1], plan[-1]
    answered: list[decide.Part] = []
    for constraint, group, kind, negated, subject in parts:
        answer = screening.answer(constraint)
        answered.append(
            (
                group,
                decide.flip(answer.holds, negated),
                kind,
                decide.DECISIVE in answer.flags,
                subject,
            )
        )
    return decide.evaluate(flags, answered)[0]


def _reason(
    criterion: Criterion,
    state: CriterionState,
    holds: bool | None,
    answers: Sequence[ConstraintResult],
    mode: str = "",
) -> str:
    said = "; ".join(
        f"{'negated — ' if s.negated else ''}{a.reason}"
        for s, a in zip(criterion.constraints, answers, strict=True)
        if not s.subject
    )
    about = "; ".join(
        a.reason for s, a in zip(criterion.constraints, answers, strict=True) if s.subject
    )
    if mode == "mixed":
        return (
            f"some parts apply, some do not ({said}); whether the protocol lists them as "
            "alternatives or joint conditions needs review"
        )
    if mode == "not applicable":
        whom = " ".join(s.evidence for s in criterion.constraints if s.subject) or "others"
        if not about:
            return f"does not apply to this patient: {said}"
        return f"applies only to patients with: {whom.strip()}; this patient: {about}"
    if mode == "narrowing" and state in (CriterionState.MET, CriterionState.NOT_MET):
        verb = "is met" if state is CriterionState.MET else "does not apply"
        return f"{verb} whether or not it applies to this patient ({said})"
    if mode == "narrowing" and state is CriterionState.NEEDS_REVIEW:
        return f"applies to some patients only ({about or 'a cohort'}); {said or 'the text needs review'}"
    if state is CriterionState.UNKNOWN:
        missing = ", ".join(dict.fromkeys(a.missing for a in answers if a.missing))
        return f"data missing: {missing or 'not recorded'} ({said})"
    if state is CriterionState.NEEDS_REVIEW:
        if criterion.has_exceptions:
            verb = "holds" if holds else "does not hold"
            return f"structured part {verb} ({said}), but the text lists exceptions"
        part = "met" if holds == (criterion.section == "inclusion") else "not met"
        return f"structured part {part} ({said}); the rest of the text needs review"
    rest = (
        " (decided on the structured part; the rest is shown unread)" if criterion.partial else ""
    )
    if criterion.section == "exclusion":
        return f"exclusion {'applies' if holds else 'does not apply'}: {said}{rest}"
    return f"{said}{rest}"


def _narrowed_reason(state: CriterionState, answers: Sequence[ConstraintResult]) -> str:
    said = "; ".join(a.reason for a in answers)
    if state is CriterionState.NOT_MET:
        return f"exclusion does not apply: {said} (the unread words only narrow it)"
    return (
        f"structured part holds ({said}); whether it meets the qualifier in the text needs review"
    )


def _result(
    criterion: Criterion,
    state: CriterionState,
    reason: str,
    answers: tuple[ConstraintResult, ...] = (),
    flags: tuple[str, ...] = (),
) -> CriterionResult:
    excludes = (criterion.section == "inclusion" and state is CriterionState.NOT_MET) or (
        criterion.section == "exclusion" and state is CriterionState.MET
    )
    excludes = excludes and not criterion.cohort
    if criterion.section == "exclusion" and answers:
        flags = tuple(dict.fromkeys((*flags, "exclusion")))
    decided = state in (CriterionState.MET, CriterionState.NOT_MET)
    return compact.build(
        CriterionResult,
        dict(
            criterion_id=criterion.id,
            section=criterion.section,
            text=criterion.text,
            state=state,
            reason=reason,
            excludes=excludes,
            results=answers,
            flags=flags,
            category=criterion.category,
            unread=criterion.unread if decided and criterion.partial else None,
            cohort=criterion.cohort,
        ),
    )
