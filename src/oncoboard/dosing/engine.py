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

from oncoboard.dosing.schemas import (
    AeTerm,
    AeVocabulary,
    DoseAction,
    DoseProposal,
    DrugRules,
    GradeSource,
    Indication,
    Rule,
)
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


def _json(name: str) -> object:
    return json.loads(resources.files("oncoboard.dosing").joinpath("rules", name).read_text())


@cache
def vocabulary() -> AeVocabulary:
    """The CTCAE v5.0 terms the tables use."""
    return AeVocabulary.model_validate(_json("ctcae_terms.json"))


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
    return DrugRules.model_validate(_json(f"{name}.json"))


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


def find_term(text: str) -> AeTerm:
    """A CTCAE term by name, MedDRA code or alias (case-insensitive)."""
    key = text.strip().lower()
    for term in vocabulary().terms:
        if key in (term.ctcae_term.lower(), term.meddra_code, *term.aliases):
            return term
    allowed = ", ".join(t.ctcae_term for t in vocabulary().terms)
    raise _problem("ae", text, allowed, f"adverse event {text!r} is not a CTCAE v5.0 term we know")


def drug_terms(table: DrugRules) -> list[str]:
    """The AE terms a drug's table answers for (all known terms when it has an 'any AE' row)."""
    if table.has_catch_all:
        return [t.ctcae_term for t in vocabulary().terms]
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
    if term.ctcae_term not in drug_terms(table):
        allowed = ", ".join(drug_terms(table))
        raise _problem(
            "ae", request.ae, allowed, f"the {table.drug} table has no rule for {term.ctcae_term}"
        )
    check_grade(term, request.grade)
    indication = resolve_indication(table, request.indication)
    if request.current_level not in [lv.level for lv in indication.levels]:
        allowed = ", ".join(str(lv.level) for lv in indication.levels)
        raise _problem("current_level", request.current_level, allowed, "unknown dose level")
    occurrence = request.prior_occurrences + 1
    rule = next(
        (r for r in table.rules if r.covers(term.ctcae_term, request.grade, occurrence)), None
    )
    if rule is None:  # the table tests prove every defined grade is covered
        raise _problem("grade", request.grade, "a graded row", f"no {table.drug} row matches")
    return _proposal(table, indication, term, request, occurrence, rule)


def _next_level(
    table: DrugRules, indication: Indication, rule: Rule, current: int
) -> tuple[DoseAction, int | None, list[str]]:
    """Action and resume level; the lowest level either stays (with a note) or discontinues."""
    notes: list[str] = []
    if rule.resume is None:
        return rule.action, None, notes
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
    if action == DoseAction.CONTINUE:
        return f"{what} — continue at the current dose"
    if action == DoseAction.DISCONTINUE:
        return f"{what} — discontinue {table.drug} permanently"
    until = (
        f"grade ≤{rule.hold_until_grade}"
        if rule.hold_until_grade is not None
        else (rule.resume_when or "resolution")
    )
    return f"{what} — hold until {until}, then resume at {next_dose}"


def _limitations(
    table: DrugRules, indication: Indication, rule: Rule, request: ProposalInput, level: int | None
) -> list[str]:
    found = list(BASE_LIMITATIONS)
    if request.grade_source == "patient_reported":
        found.insert(0, PRO_LIMITATION)
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
