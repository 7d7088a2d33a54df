# SPDX-License-Identifier: Apache-2.0
"""Comorbidity, infection and other-malignancy constraints against one patient.

Absence is not evidence: "no history of X" is only concluded from a finding recorded absent
(a refuted Condition, an mCODE comorbidity listed absent, a negative serology), never from X
missing from the record.
"""

from __future__ import annotations

import re
from datetime import date

from oncoboard.knowledge.oncotree import relation
from oncoboard.record.cancers import Cancer
from oncoboard.record.schemas import ClinicalFinding, RecordedFact
from oncoboard.trials.eval_disease import cancer_for
from oncoboard.trials.history import (
    ABSENCE,
    COMPOSITES,
    INFECTION_RECORD,
    LABELS,
    MALIGNANCY_EXCEPTIONS,
    RECORD,
)
from oncoboard.trials.schemas import (
    ConditionHistoryConstraint,
    ConstraintResult,
    InfectionConstraint,
    PriorMalignancyConstraint,
    SwallowingConstraint,
)
from oncoboard.trials.view import PatientView
from oncoboard.trials.view import answer as _r

_NEGATIVE = re.compile(r"^\s*(?:negative|non-?reactive|not detected|undetectable|absent)\b", re.I)
_POSITIVE = re.compile(r"^\s*(?:positive|reactive|detected|present)\b", re.I)
_INACTIVE = ("resolved", "inactive", "remission")
_NO_OTHER_CANCER = re.compile(r"malignan|cancer|neoplasm", re.IGNORECASE)


# concepts that ask about now: only a finding still active counts
_CURRENT_ONLY = frozenset({"active_infection"})


def _current(finding: ClinicalFinding) -> bool:
    return not finding.abatement and (finding.clinical_status or "active") not in _INACTIVE


def _years_since(when: str | None, today: date) -> float | None:
    if not when:
        return None
    try:
        start = date.fromisoformat(when[:10])
    except ValueError:
        return None
    return (today - start).days / 365.25


def condition_history(c: ConditionHistoryConstraint, view: PatientView) -> ConstraintResult:
    pattern = RECORD[c.concept]
    label = LABELS[c.concept]
    found = [(f, fact) for f, fact in view.findings if pattern.search(f.display)]
    present = [(f, fact) for f, fact in found if f.present]
    if c.concept in _CURRENT_ONLY:  # a resolved pneumonia is not an infection now
        present = [(f, fact) for f, fact in present if _current(f)]
    if present:
        if c.within_months is not None:
            dated = [(f, fact, _years_since(f.onset, view.today)) for f, fact in present]
            recent = [fact for _, fact, y in dated if y is not None and y * 12 <= c.within_months]
            undated = [fact for _, fact, y in dated if y is None]
            if recent:
                present = [(f, fact) for f, fact in present if fact in recent]
            elif undated:
                return _r(None, f"{label} recorded without a date", *undated,
                          missing=f"date of {label}", kind=c.type)  # fmt: skip
            else:
                return _r(False, f"{label} recorded, more than {c.within_months:g} months ago",
                          *(fact for _, fact in found), kind=c.type)  # fmt: skip
        facts = [fact for _, fact in present]
        if c.qualified:
            return _r(None, f"{label} recorded; whether it meets the protocol's qualifier "
                      "(e.g. clinically significant, uncontrolled) needs a clinician", *facts,
                      missing="clinical judgement", kind=c.type)  # fmt: skip
        return _r(True, f"{label} recorded", *facts, kind=c.type)
    absence = ABSENCE[c.concept]
    # an umbrella is ruled out by a finding naming a wider umbrella too ("cardiac disease:
    # absent" rules out coronary artery disease), whatever the record words of the concept
    absent = [fact for f, fact in view.findings if not f.present and absence.search(f.display)]
    if absent:
        return _r(False, f"{label}: recorded absent", *absent, kind=c.type)
    if c.concept in COMPOSITES:
        return _composite(c, view)
    return _r(None, f"{label}: not recorded either way", missing=f"history of {label}",
              kind=c.type)  # fmt: skip


def _composite(c: ConditionHistoryConstraint, view: PatientView) -> ConstraintResult:
    """An umbrella ruled out part by part: every component recorded absent (none present: a
    present one was found by the umbrella's own record words before)."""
    label = LABELS[c.concept]
    ruled_out, missing = [], []
    for part, pattern in COMPOSITES[c.concept].items():
        facts = [f for finding, f in view.findings if not finding.present and pattern.search(finding.display)]  # fmt: skip
        (ruled_out.extend(facts) if facts else missing.append(part))
    parts = ", ".join(COMPOSITES[c.concept])
    if missing:
        return _r(None, f"{label}: not recorded either way ({', '.join(missing)} not ruled out; "
                  f"counted: {parts})", *ruled_out, missing=f"history of {label}",
                  kind=c.type)  # fmt: skip
    return _r(False, f"{label}: each part recorded absent ({parts})", *ruled_out, kind=c.type)


def swallowing(c: SwallowingConstraint, view: PatientView) -> ConstraintResult:
    """Able to swallow: from dysphagia recorded absent (holds) or present (does not)."""
    found = [(f, fact) for f, fact in view.findings if RECORD["dysphagia"].search(f.display)]
    present = [fact for f, fact in found if f.present]
    if present:
        return _r(False, "dysphagia recorded", *present, kind=c.type)
    absent = [fact for f, fact in found if not f.present]
    if absent:
        return _r(True, "dysphagia recorded absent", *absent, kind=c.type)
    return _r(None, "swallowing not recorded", missing="swallowing assessment", kind=c.type)


def infection(c: InfectionConstraint, view: PatientView) -> ConstraintResult:
    pattern = INFECTION_RECORD[c.agent]
    findings = [(f, fact) for f, fact in view.findings if pattern.search(f.display)]
    current = [f for f in findings if f[0].present and (f[0].clinical_status or "active") not in _INACTIVE]  # fmt: skip
    if current:
        return _r(True, f"{c.agent} infection recorded", *(f for _, f in current), kind=c.type)
    past = [fact for f, fact in findings if f.present]
    if past and not c.active_only:
        # a resolved hepatitis B (anti-HBc positive, HBsAg negative) is not an infection now;
        # whether the protocol's "infection" includes a past one is the clinician's reading
        return _r(None, f"{c.agent} infection recorded as resolved: whether a past infection "
                  "counts needs a clinician", *past, missing="clinical judgement",
                  kind=c.type)  # fmt: skip
    serology = _latest_tests(pattern, view)
    if serology:
        return _serology(c, serology)
    absent = [fact for f, fact in findings if not f.present]
    if absent:
        return _r(False, f"{c.agent} infection: recorded absent", *absent, kind=c.type)
    return _r(None, f"{c.agent} status not recorded", missing=f"{c.agent} status", kind=c.type)


def _latest_tests(
    pattern: re.Pattern[str], view: PatientView
) -> list[tuple[str, str, RecordedFact, bool]]:
    """The latest result of each test of the agent: (name, value, fact, positive); results
    that read neither positive nor negative are left out."""
    latest: dict[str, tuple[str, str, RecordedFact, bool]] = {}
    for result, fact in sorted(
        ((r, f) for r, f in view.labs if pattern.search(r.name)),
        key=lambda p: p[0].effective or "",
    ):
        text = result.value_text or ""
        if _NEGATIVE.search(text) or _POSITIVE.search(text):
            latest[result.name] = (result.name, text, fact, bool(_POSITIVE.search(text)))
    return list(latest.values())


def _serology(
    c: InfectionConstraint, tests: list[tuple[str, str, RecordedFact, bool]]
) -> ConstraintResult:
    """All tests negative: no infection. All positive: infection (an HCV antibody alone does
    not show an active infection). Mixed (e.g. HBsAg negative with anti-HBc positive: a past
    or occult hepatitis B): a clinician reads them."""
    said = "; ".join(f"{name}: {text}" for name, text, _, _ in tests)
    facts = [fact for _, _, fact, _ in tests]
    positive = [name for name, _, _, pos in tests if pos]
    if not positive:
        return _r(False, said, *facts, kind=c.type)
    if len(positive) < len(tests):
        return _r(None, f"{said}: mixed results need a clinician", *facts,
                  missing="clinical judgement", kind=c.type)  # fmt: skip
    if c.active_only and c.agent == "tuberculosis":
        # an interferon-gamma release assay or skin test is positive in latent infection too
        return _r(None, f"{said}; whether tuberculosis is active needs a clinician", *facts,
                  missing="clinical judgement", kind=c.type)  # fmt: skip
    antibody_only = c.agent == "HCV" and all(
        re.search(r"antibod|\bAb\b", n, re.I) for n in positive
    )
    if c.active_only and antibody_only:
        return _r(None, f"{said}; active infection needs HCV RNA", *facts, missing="HCV RNA",
                  kind=c.type)  # fmt: skip
    return _r(True, said, *facts, kind=c.type)


def prior_malignancy(c: PriorMalignancyConstraint, view: PatientView) -> ConstraintResult:
    index = cancer_for(view, ())
    others = [k for k in view.cancers if index is None or k.fact is not index.fact]
    own, own_note = _own_cancer_counts(c, index)
    if own and index is not None:
        others = [index, *others]
    counted, notes, undated = _counting(c, others, view.today)
    if own_note:
        notes = [own_note, *notes]
    if own is None and index is not None and not counted:
        return _r(None, own_note, index.fact, missing="tumour types the trial studies",
                  kind=c.type)  # fmt: skip
    if undated and not counted:
        if c.conditioned:
            return _r(None, f"other malignancy recorded ({_names(undated)}): whether it meets "
                      "the exception's condition (or its date) needs a clinician",
                      *(k.fact for k in undated), missing="clinical judgement",
                      kind=c.type)  # fmt: skip
        return _r(None, f"other malignancy recorded without a diagnosis date ({_names(undated)})",
                  *(k.fact for k in undated), missing="date of the other malignancy",
                  kind=c.type)  # fmt: skip
    if counted:
        facts = [k.fact for k in counted]
        if c.open_exceptions:
            return _r(None, f"other malignancy recorded ({_names(counted)}); the protocol "
                      "lists exceptions that need a clinician", *facts,
                      missing="clinical judgement", kind=c.type)  # fmt: skip
        said = f"{own_note}; " if own else ""
        return _r(True, f"{said}other malignancy recorded: {_names(counted)}", *facts,
                  kind=c.type)  # fmt: skip
    negatives = [fact for f, fact in view.findings if not f.present and _NO_OTHER_CANCER.search(f.display)]  # fmt: skip
    if others and not negatives:
        return _r(False, "; ".join(notes), *(k.fact for k in others), kind=c.type)
    if negatives:
        return _r(False, "no other malignancy (recorded absent)" + (f"; {'; '.join(notes)}" if notes else ""),
                  *negatives, *(k.fact for k in others), kind=c.type)  # fmt: skip
    return _r(None, "other malignancies not recorded either way",
              missing="history of other malignancies", kind=c.type)  # fmt: skip


def _own_cancer_counts(
    c: PriorMalignancyConstraint, index: Cancer | None
) -> tuple[bool | None, str]:
    """Whether the patient's own cancer counts as "a malignancy" of an "any malignancy" item:
    yes when it is not under a tumour type the trial studies, unknown when those were not read."""
    if index is None or not c.any_malignancy:
        return False, ""
    name = index.condition.display or index.condition.oncotree_code or "the patient's cancer"
    code = index.condition.oncotree_code
    if not c.study_cancers or not code:
        return None, (
            f"whether the patient's own cancer ({name}) is the one this trial studies was not "
            "read: needs review"
        )
    if any(relation(code, wanted).on_label for wanted in c.study_cancers):
        return False, ""
    studied = ", ".join(c.study_cancers)
    return (
        True,
        f"the patient's own cancer ({name}, {code}) is not a tumour type this trial studies ({studied})",
    )


def _names(cancers: list[Cancer]) -> str:
    return ", ".join(
        f"{k.condition.display or k.condition.code}"
        + (f" (diagnosed {k.condition.onset[:10]})" if k.condition.onset else "")
        for k in cancers
    )


def _counting(
    c: PriorMalignancyConstraint, others: list[Cancer], today: date
) -> tuple[list[Cancer], list[str], list[Cancer]]:
    """The other cancers that count, why each of the rest does not, and the undated ones."""
    counted: list[Cancer] = []
    notes: list[str] = []
    undated: list[Cancer] = []
    for cancer in others:
        display = f"{cancer.condition.display or ''} {cancer.condition.histology or ''}"
        kind = next(
            (k for k in c.excepted if re.search(MALIGNANCY_EXCEPTIONS[k][1], display, re.I)), None
        )
        years = _years_since(cancer.condition.onset, today)
        if kind is not None and kind in c.conditioned:
            undated.append(cancer)  # whether the exception's condition holds: a clinician
        elif kind is not None:
            notes.append(f"{cancer.condition.display}: excepted ({kind})")
        elif c.active_only and not cancer.active:
            notes.append(
                f"{cancer.condition.display}: not active ({cancer.condition.clinical_status})"
            )
        elif c.within_years is not None and years is None:
            undated.append(cancer)
        elif c.within_years is not None and years is not None and years > c.within_years:
            notes.append(
                f"{cancer.condition.display}: diagnosed {years:.1f} years ago (> {c.within_years:g})"
            )
        else:
            counted.append(cancer)
    return counted, notes, undated
