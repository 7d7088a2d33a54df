# SPDX-License-Identifier: Apache-2.0
"""The patient survey as a web form: what it shows and how a posted form becomes answers.

Skip logic is enforced here, on the server, so the form works without JavaScript: a follow-on
item (severity, interference) is ignored when the term's first item is 0 ("never"/"none"),
because it was not asked (facts §1.1, ProAE ``toxScores``). A question left blank is not an
error: the report is sent with what was answered, the blank items are stored as missing and the
confirmation page tells the patient which ones (clinical-safety invariant 8). Item wording is not bundled (its terms of use are unconfirmed, facts §1.1), so the
form shows the term and the attribute as short labels with the published response options.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from oncoboard.errors import Problem
from oncoboard.monitoring.grading import Attribute
from oncoboard.monitoring.library import SCALES
from oncoboard.monitoring.schemas import AnswerOut, ItemOut, QuestionnaireOut

# attribute names as in the PRO-CTCAE structure table (facts §1.1), not the item wording
ATTRIBUTE_LABELS = {
    "frequency": "How often",
    "severity": "How severe, at its worst",
    "interference": "How much it interfered with your usual or daily activities",
    "amount": "How much",
    "presence": "Did you have it",
}
MISSING_LABELS = {
    "not_answered": "Not answered",
    "not_applicable": "Not applicable",
    "not_sexually_active": "Not sexually active",
    "prefer_not_to_answer": "Prefer not to answer",
}
URGENT = {"yes": True, "no": False}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    """One item: a radio group. ``gate`` is the item that must be above 0 for it to be asked."""

    name: str
    label: str
    choices: tuple[Choice, ...]
    gate: str | None


@dataclass(frozen=True)
class Block:
    """One symptom term: a fieldset whose first question decides whether the rest are asked."""

    key: str
    term: str
    questions: tuple[Question, ...]


@dataclass
class SurveyForm:
    """What the survey page renders: questions, the values sent back, errors per field."""

    questionnaire: QuestionnaireOut
    blocks: tuple[Block, ...]
    idempotency_key: str
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def asked(self, question: Question) -> bool:
        """A follow-on is shown (without JS too) only once its first item is answered above 0."""
        if question.gate is None:
            return True
        return self.values.get(question.gate, "") not in ("", "0", *MISSING_LABELS)


def _question(item: ItemOut, gate: str | None) -> Question:
    choices = [Choice(str(o.value), o.label) for o in item.options]
    choices += [Choice(code, MISSING_LABELS.get(code, code)) for code in item.missing_codes]
    return Question(
        name=item.item,
        label=ATTRIBUTE_LABELS.get(item.attribute, item.attribute),
        choices=tuple(choices),
        gate=gate,
    )


def build(
    questionnaire: QuestionnaireOut,
    idempotency_key: str,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> SurveyForm:
    blocks = []
    for symptom in questionnaire.symptoms:
        first = symptom.items[0].item
        questions = [_question(symptom.items[0], None)]
        questions += [_question(item, first) for item in symptom.items[1:]]
        blocks.append(Block(symptom.symptom, symptom.term, tuple(questions)))
    return SurveyForm(
        questionnaire, tuple(blocks), idempotency_key, dict(values or {}), dict(errors or {})
    )


def _parse(question: Question, raw: str) -> int | str | None:
    """The posted value as an answer: a score, a non-scored code, or None when not offered."""
    offered = {c.value for c in question.choices}
    if raw not in offered:
        return None
    return int(raw) if raw.isdigit() else raw


def parse(
    form: SurveyForm,
) -> tuple[dict[str, int | str], bool | None, dict[str, str]]:
    """Answers for ``SubmissionIn``, the urgent answer, and an error message per field that
    holds something other than an offered answer (a blank question is not an error)."""
    answers: dict[str, int | str] = {}
    errors: dict[str, str] = {}
    for block in form.blocks:
        first, *follow_ons = block.questions
        head = _answer(first, form.values, errors)
        if head is not None:
            answers[first.name] = head
        if head == 0:
            continue  # not asked (PRO-CTCAE skip logic): anything sent for them is ignored
        for question in follow_ons:
            value = _answer(question, form.values, errors)
            if value is not None:
                answers[question.name] = value
    urgent_raw = form.values.get("urgent", "")
    if urgent_raw and urgent_raw not in URGENT:
        errors["urgent"] = "Choose yes or no."
    return answers, URGENT.get(urgent_raw), errors


def _answer(
    question: Question, values: Mapping[str, str], errors: dict[str, str]
) -> int | str | None:
    raw = values.get(question.name, "")
    if raw == "":
        return None  # left blank: stored as not answered, never refused
    value = _parse(question, raw)
    if value is None:
        errors[question.name] = "Choose one of the listed answers."
    return value


def blank_questions(form: SurveyForm, missing: list[str]) -> list[tuple[str, str]]:
    """(symptom term, question label) of the items a stored report left blank."""
    labels = {q.name: (b.term, q.label) for b in form.blocks for q in b.questions}
    return [labels[item] for item in missing if item in labels]


def problem_errors(problems: list[Problem]) -> dict[str, str]:
    """The service's located problems as messages next to the fields they name."""
    found: dict[str, str] = {}
    for problem in problems:
        found.setdefault(problem.field, f"Not accepted: expected {problem.expected}.")
    return found


def answer_text(answer: AnswerOut) -> str:
    """A stored answer in the patient's words: ``3 (severe)``, or the non-scored option."""
    if answer.value is None:
        return MISSING_LABELS.get(answer.missing_code or "", answer.missing_code or "no answer")
    attribute = answer.item.partition(".")[2]
    scale = SCALES.get(Attribute(attribute)) if attribute in ATTRIBUTE_LABELS else None
    if scale and 0 <= answer.value < len(scale):
        return f"{scale[answer.value]} ({answer.value})"
    return str(answer.value)
