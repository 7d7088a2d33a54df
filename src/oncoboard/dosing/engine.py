# SPDX-License-Identifier: Apache-2.0
"""Pure dose-modification engine: (drug table, indication, level, AE, grade, occurrence) → proposal.

Nothing here touches storage; the service counts occurrences from approved dose changes and
passes them in. Every answer names its table row, the label section and how sure that row is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from oncoboard.dosing.schemas import (
    AeTerm,
    DoseAction,
    DoseProposal,
    DrugRules,
    GradeSource,
    Indication,
    Rule,
)
from oncoboard.dosing.vocabulary import find_term, vocabulary
from oncoboard.errors import InputError, Problem

DRUGS = ("capecitabine", "osimertinib", "cabozantinib", "sunitinib")
PRO_LIMITATION = (
    "The grade is patient-reported (PRO-CTCAE derived), not a clinician CTCAE grade: a clinician "
    "must grade the adverse event before any dose change."
)
BASE_LIMITATIONS = (
    "Seed rules transcribed from label text (facts doc §2); a pharmacist must verify every row "
    "against the label version in force before clinical use.",
    "Nothing is applied: the proposal takes effect only when a clinician accepts or modifies it.",
)


REVIEW_NOTE = (
    "No automatic resume for a grade 4 or life-threatening event: resuming (at the reduced dose "
    "the label allows) or discontinuing permanently is the clinician's decision."
)
__all__ = ["find_term", "vocabulary"]


def _json(name: str) -> Any:
    return json.loads(resources.files("oncoboard.dosing").joinpath("rules", name).read_text())


@cache
def ae_classes() -> dict[str, tuple[str, ...]]:
    """Named event classes (haemorrhage, GI perforation, …) as CTCAE terms and label events."""
    return {k: tuple(v["terms"]) for k, v in _json("ae_classes.json")["classes"].items()}


def _expand(names: list[str]) -> list[str]:
    """``class:haemorrhage`` → the class's terms; other names stay."""
    found: list[str] = []
    for name in names:
        found += ae_classes()[name[6:]] if name.startswith("class:") else [name]
    return list(dict.fromkeys(found))


def _label(name: str) -> str:
    if not name.startswith("class:"):
        return name
    found = _json("ae_classes.json")["classes"][name[6:]]
    return f"{found['label']} ({len(found['terms'])} terms)"


@cache
def drug_rules(drug: str) -> DrugRules:
    """One drug's rule table; an unknown drug is an InputError naming the drugs available."""
    key = drug.strip().lower()
    for name in DRUGS:
        table = _table(name)
        if key == name or key in (b.lower() for b in table.brands):
            return table
    raise _problem("drug", drug, ", ".join(DRUGS), f"no dose-modification table for {drug!r}")


@cache
def _table(name: str) -> DrugRules:
    doc = _json(f"{name}.json")
    for rule in doc["rules"]:
        if rule["ae"] != "any" and any(n.startswith("class:") for n in rule["ae"]):
            rule["ae_label"] = "; ".join(_label(n) for n in rule["ae"])
            rule["ae"] = _expand(rule["ae"])
    doc["ae_groups"] = {k: _expand(v) for k, v in doc.get("ae_groups", {}).items()}
    return DrugRules.model_validate(doc)


def treats_with(table: DrugRules, treatment_name: str) -> bool:
    """A recorded treatment is this drug when its name contains the drug or a brand name.

    Examples
    --------
    >>> treats_with(drug_rules("capecitabine"), "XELODA 500 mg tablets")
    True
    >>> treats_with(drug_rules("capecitabine"), "oxaliplatin")
    False
    """
    text = treatment_name.lower()
    return any(name in text for name in (table.drug, *(b.lower() for b in table.brands)))


def drug_terms(table: DrugRules) -> list[str]:
    """The terms a drug's table names in its own rows (every other term gets an answer too:
    its general row, or the label's general rule)."""
    return sorted(table.named_terms())


def resolve_indication(table: DrugRules, indication: str | None) -> Indication:
    if indication is None and len(table.indications) == 1:
        return table.indications[0]
    found = table.indication(indication or "")
    if found is None:
        allowed = ", ".join(i.id for i in table.indications)
        raise _problem(
            "indication", indication, allowed, f"{table.drug}: choose the indication (dose levels)"
        )
    return found


@dataclass(frozen=True)
class ProposalInput:
    drug: str
    indication: str | None
    current_level: int
    ae: str
    grade: int
    grade_source: GradeSource
    prior_occurrences: int
    ctcae_version: str = "5.0"


def check_grade(term: AeTerm, grade: int) -> None:
    """Grades 1-4 that CTCAE v5.0 defines for the term; grade 5 (death) is refused."""
    if grade == 5:
        raise _problem(
            "grade", grade, "1-4", "grade 5 is death related to the adverse event: no dose proposal"
        )
    defined = [g for g in term.grades if g <= 4]
    if grade not in defined:
        allowed = ", ".join(map(str, defined))
        raise _problem(
            "grade", grade, allowed, f"CTCAE v5.0 {term.ctcae_term!r} has no grade {grade}"
        )


def propose(request: ProposalInput) -> DoseProposal:
    """The label table's answer for one graded adverse event (pure)."""
    table = drug_rules(request.drug)
    term = find_term(request.ae)
    check_grade(term, request.grade)
    indication = resolve_indication(table, request.indication)
    if request.current_level not in [lv.level for lv in indication.levels]:
        allowed = ", ".join(str(lv.level) for lv in indication.levels)
        raise _problem("current_level", request.current_level, allowed, "unknown dose level")
    occurrence = request.prior_occurrences + 1
    rule = next(
        (r for r in table.rules if r.covers(term.ctcae_term, request.grade, occurrence)), None
    )
    if rule is None:
        return _proposal(table, indication, term, request, occurrence, _no_row(table, term))
    return _proposal(table, indication, term, request, occurrence, rule)


def _no_row(table: DrugRules, term: AeTerm) -> Rule:
    """The answer where the label has no row for the event: clinical judgement, told the
    label's general rule (never "unknown term")."""
    general = table.general_rule
    return Rule(
        id=f"{table.drug}-no-row",
        ae=(term.ctcae_term,),
        grade_min=1,
        grade_max=4,
        action=DoseAction.CLINICAL_JUDGEMENT,
        citation=f"no label dose-modification row for {term.ctcae_term}; general rule: "
        f"{general.citation}",
        sources=general.sources,
        verification=general.verification,
    )


def _next_level(
    table: DrugRules, indication: Indication, rule: Rule, current: int
) -> tuple[DoseAction, int | None, list[str]]:
    """Action and resume level; the lowest level either stays (with a note) or discontinues."""
    notes: list[str] = []
    if rule.resume is None:
        return rule.action, None, notes
    if rule.resume == "review":
        return rule.action, None, [REVIEW_NOTE]
    if rule.resume == "same":
        target = current
    elif rule.resume == "one_lower":
        target = current - 1
    else:
        target = min(rule.resume, current) if table.never_re_escalate else rule.resume
        if target < rule.resume:
            notes.append("the dose stays at the current, lower level: never re-escalated")
    if target < indication.lowest:
        note = f"{indication.at_lowest_note} ({indication.at_lowest_verification})"
        if indication.at_lowest == "discontinue":
            return DoseAction.DISCONTINUE, None, [note]
        return rule.action, indication.lowest, [note]
    return rule.action, target, notes


def _proposal(
    table: DrugRules,
    indication: Indication,
    term: AeTerm,
    request: ProposalInput,
    occurrence: int,
    rule: Rule,
) -> DoseProposal:
    action, level, notes = _next_level(table, indication, rule, request.current_level)
    current = indication.dose(request.current_level).dose
    next_dose = indication.dose(level).dose if level is not None else None
    # staying at the lowest level is an answer with an alternative; the rest are limitations
    stay = [n for n in notes if action != DoseAction.DISCONTINUE and indication.at_lowest_note in n]
    alternatives = list(rule.alternatives) + [f"at the lowest level: {n}" for n in stay]
    limitations = _limitations(table, indication, rule, request, level)
    statement = _statement(table, term, request, occurrence, rule, action, next_dose)
    return DoseProposal(
        drug=table.drug,
        indication=indication.id,
        ae_term=term.ctcae_term,
        meddra_code=term.meddra_code,
        grade=request.grade,
        grade_source=request.grade_source,
        ctcae_version=request.ctcae_version,
        occurrence=occurrence,
        occurrence_key=_occurrence_key(table, term.ctcae_term, request.grade),
        current_level=request.current_level,
        current_dose=current,
        action=action,
        hold_until_grade=rule.hold_until_grade if action == DoseAction.HOLD else None,
        resume_when=rule.resume_when if action == DoseAction.HOLD else None,
        max_hold=rule.max_hold if action == DoseAction.HOLD else None,
        next_level=level,
        next_dose=next_dose,
        condition=rule.condition,
        statement=statement,
        rule_id=rule.id,
        rules_version=table.version,
        citation=rule.citation,
        sources=rule.sources,
        verification=rule.verification,
        alternatives=tuple(alternatives),
        limitations=tuple(limitations + [n for n in notes if n not in stay]),
    )


def _occurrence_key(table: DrugRules, term: str, grade: int) -> str:
    """What counts as 'the same' adverse event for this drug's occurrence column."""
    group = table.group_of(term)
    return f"{group}|grade {grade}" if table.occurrence_scope == "ae_and_grade" else group


def same_toxicity(table: DrugRules, stored_key: str, key: str) -> bool:
    """Whether an approved change (its stored occurrence key) is an earlier appearance of the
    toxicity ``key`` names. Keys stored as ``term|grade N`` (occurrences once counted per
    grade) count toward their term, as the label's "appearance" of the toxicity does."""
    if table.occurrence_scope == "ae":
        return stored_key.partition("|")[0] == key.partition("|")[0]
    return stored_key == key


def occurrence_key(drug: str, ae: str, grade: int) -> str:
    table = drug_rules(drug)
    return _occurrence_key(table, find_term(ae).ctcae_term, grade)


def _statement(
    table: DrugRules,
    term: AeTerm,
    request: ProposalInput,
    occurrence: int,
    rule: Rule,
    action: DoseAction,
    next_dose: str | None,
) -> str:
    what = f"{table.drug}: {term.ctcae_term} grade {request.grade}"
    if request.grade_source == "patient_reported":
        what += " (patient-reported)"
    what += f", occurrence {occurrence}"
    if action == DoseAction.CLINICAL_JUDGEMENT:
        return (
            f"{what} — no label dose-modification row for {term.ctcae_term} on {table.drug}: "
            f"clinical judgement; the label's general rule is: {table.general_rule.text}"
        )
    if action == DoseAction.CONTINUE:
        return f"{what} — continue at the current dose"
    if action == DoseAction.DISCONTINUE:
        return f"{what} — discontinue {table.drug} permanently"
    until = (
        f"grade ≤{rule.hold_until_grade}"
        if rule.hold_until_grade is not None
        else (rule.resume_when or "resolution")
    )
    if next_dose is None:
        return (
            f"{what} — withhold {table.drug} until {until}; no automatic resume: resuming as the "
            "label allows or discontinuing permanently is the clinician's decision"
        )
    return f"{what} — hold until {until}, then resume at {next_dose}"


def _limitations(
    table: DrugRules, indication: Indication, rule: Rule, request: ProposalInput, level: int | None
) -> list[str]:
    found = list(BASE_LIMITATIONS)
    if request.grade_source == "patient_reported":
        found.insert(0, PRO_LIMITATION)
    if rule.action == DoseAction.CLINICAL_JUDGEMENT:
        found.append(
            f"The {table.drug} label has no dose-modification row for {request.ae!r}: its general "
            "rule is quoted, not applied; the dose decision is the clinician's."
        )
    if rule.verification != "seen_in_source":
        found.append(f"Rule {rule.id} is {rule.verification}: needs clinical verification.")
    if rule.condition:
        found.append(f"Applies only if: {rule.condition}.")
    if level is not None and indication.dose(level).verification != "seen_in_source":
        found.append(f"Dose level {level} is {indication.dose(level).verification}.")
    if table.grading_note:
        found.append(table.grading_note)
    return found


def _problem(field: str, value: object, expected: str, message: str) -> InputError:
    return InputError(
        f"{message} (field {field}; allowed: {expected})",
        problems=[
            Problem(source="dose proposal", locator="request", field=field, value=str(value),
                    expected=expected)
        ],
    )  # fmt: skip
