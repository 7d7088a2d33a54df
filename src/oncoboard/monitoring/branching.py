# SPDX-License-Identifier: Apache-2.0
"""Check one questionnaire's answers against the scales and PRO-CTCAE skip logic; pure.

Skip logic (facts §1.1, ProAE ``toxScores``): when a term's first item (frequency, else
severity) is "never"/"none" the follow-on items are not asked, so an answer to them is a
contradiction; when it is above 0 they are asked.

A partial report still protects the patient (clinical-safety invariant 8): an item left blank is
stored as ``not_answered`` (missing, never 0) and is not a refusal; the composite grade of that
term cannot be computed, but every answer given is stored and can alert. When the first item is
blank, follow-on answers the patient did give are kept (a very severe answer must not be lost
because "how often" was skipped). Only what cannot be an answer is refused: an unknown item, a
value off the scale, or an answer to an item skip logic did not ask.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from oncoboard.errors import Problem
from oncoboard.monitoring.grading import MAX_SCORE, Attribute, composite_grade
from oncoboard.monitoring.library import SCALES, ItemLibrary, Questionnaire, SymptomDef

NOT_ANSWERED = "not_answered"  # an asked item left blank: missing, never 0


@dataclass(frozen=True)
class Answer:
    """One stored answer: a score, or a non-scored option (missing, never 0)."""

    symptom: str
    attribute: Attribute
    item_id: str
    value: int | None
    missing_code: str | None = None

    @property
    def key(self) -> str:
        return f"{self.symptom}.{self.attribute}"

    @property
    def blank(self) -> bool:
        return self.missing_code == NOT_ANSWERED


def item_key(symptom: str, attribute: Attribute) -> str:
    return f"{symptom}.{attribute}"


def check_answers(
    questionnaire: Questionnaire,
    library: ItemLibrary,
    answers: Mapping[str, object],
    *,
    source: str,
    locator: str,
) -> tuple[list[Answer], list[Problem]]:
    """Every answer checked: unknown items, out-of-scale values and branching violations."""
    problems: list[Problem] = []
    asked = {
        item_key(key, item.attribute)
        for key in questionnaire.symptoms
        for item in library.symptoms[key].items
    }
    for key in sorted(set(answers) - asked):
        problems.append(
            Problem(source, locator, key, _show(answers[key]), f"an item of {questionnaire.id}")
        )
    found: list[Answer] = []
    for key in questionnaire.symptoms:
        symptom = library.symptoms[key]
        found += _check_symptom(symptom, answers, problems, source, locator)
    return found, problems


def _check_symptom(
    symptom: SymptomDef,
    answers: Mapping[str, object],
    problems: list[Problem],
    source: str,
    locator: str,
) -> list[Answer]:
    first, *follow_ons = symptom.items
    first_key = item_key(symptom.key, first.attribute)
    if first_key in answers:
        head = _parse(symptom, first.attribute, answers[first_key], problems, source, locator)
        if head is None:
            return []
    else:
        head = Answer(symptom.key, first.attribute, first.item_id, None, NOT_ANSWERED)
    found = [head]
    for item in follow_ons:
        key = item_key(symptom.key, item.attribute)
        if head.value == 0:
            if key in answers:
                problems.append(
                    Problem(
                        source,
                        locator,
                        key,
                        _show(answers[key]),
                        f"no answer: not asked when {first_key} is never/none "
                        "(PRO-CTCAE skip logic)",
                    )
                )
            continue
        if key in answers:
            answer = _parse(symptom, item.attribute, answers[key], problems, source, locator)
            if answer is not None:
                found.append(answer)
        elif head.value is not None:  # asked (the first item is above 0) but left blank
            found.append(Answer(symptom.key, item.attribute, item.item_id, None, NOT_ANSWERED))
    return found


def missing_items(answers: list[Answer]) -> list[str]:
    """The asked items the patient left blank (``<term>.<attribute>``), in asking order."""
    return [a.key for a in answers if a.blank]


def answered(answers: list[Answer]) -> bool:
    """Whether anything was answered (a score or an explicit non-scored option)."""
    return any(not a.blank for a in answers)


def _parse(
    symptom: SymptomDef,
    attribute: Attribute,
    raw: object,
    problems: list[Problem],
    source: str,
    locator: str,
) -> Answer | None:
    item = symptom.item(attribute)
    assert item is not None
    top = MAX_SCORE[attribute]
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw <= top:
        return Answer(symptom.key, attribute, item.item_id, raw)
    if isinstance(raw, str) and raw in item.missing_codes:
        return Answer(symptom.key, attribute, item.item_id, None, raw)
    problems.append(
        Problem(
            source, locator, item_key(symptom.key, attribute), _show(raw), _expected(symptom, item)
        )
    )
    return None


def _expected(symptom: SymptomDef, item: object) -> str:
    attribute = getattr(item, "attribute", Attribute.SEVERITY)
    scale = ", ".join(f"{i} {label}" for i, label in enumerate(SCALES[attribute]))
    codes = tuple(getattr(item, "missing_codes", ()))
    extra = f"; or one of {', '.join(codes)}" if codes else ""
    return f"an integer 0-{MAX_SCORE[attribute]} ({scale}){extra}"


def _show(value: object) -> str:
    return "" if value is None else str(value)


def effective_scores(
    symptom: SymptomDef, answers: Mapping[str, Answer]
) -> dict[Attribute, int | None]:
    """Scores of one term; follow-ons skipped because the first item was 0 count as 0, blank or
    unasked ones are missing (None). Empty when nothing of the term was stored."""
    first = answers.get(item_key(symptom.key, symptom.items[0].attribute))
    follow = {
        item.attribute: answers.get(item_key(symptom.key, item.attribute))
        for item in symptom.items[1:]
    }
    if first is None and not any(follow.values()):
        return {}
    scores: dict[Attribute, int | None] = {
        symptom.items[0].attribute: first.value if first else None
    }
    for attribute, given in follow.items():
        scores[attribute] = given.value if given else (0 if first and first.value == 0 else None)
    return scores


def grades(
    questionnaire: Questionnaire, library: ItemLibrary, answers: list[Answer]
) -> dict[str, int | None]:
    """Composite grade per term of the questionnaire (None when it cannot be computed)."""
    by_key = {a.key: a for a in answers}
    found: dict[str, int | None] = {}
    for key in questionnaire.symptoms:
        symptom = library.symptoms[key]
        scores = effective_scores(symptom, by_key)
        if any(a != Attribute.PRESENCE for a in symptom.attributes):
            found[key] = composite_grade(symptom.attributes, scores) if scores else None
    return found
