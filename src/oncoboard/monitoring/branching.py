# SPDX-License-Identifier: Apache-2.0
"""Check one questionnaire's answers against the scales and PRO-CTCAE skip logic; pure.

Skip logic (facts §1.1, ProAE ``toxScores``): when a term's first item (frequency, else
severity) is "never"/"none" the follow-on items are not asked, so an answer to them is a
contradiction; when it is above 0 they are asked and must be answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from oncoboard.errors import Problem
from oncoboard.monitoring.grading import MAX_SCORE, Attribute, composite_grade
from oncoboard.monitoring.library import SCALES, ItemLibrary, Questionnaire, SymptomDef


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
    if first_key not in answers:
        problems.append(Problem(source, locator, first_key, "", _expected(symptom, first)))
        return []
    head = _parse(symptom, first.attribute, answers[first_key], problems, source, locator)
    if head is None:
        return []
    found = [head]
    gated = head.value is None or head.value == 0
    for item in follow_ons:
        key = item_key(symptom.key, item.attribute)
        if gated:
            if key in answers:
                shown = "never/none" if head.value == 0 else str(head.missing_code)
                problems.append(
                    Problem(
                        source,
                        locator,
                        key,
                        _show(answers[key]),
                        f"no answer: not asked when {first_key} is {shown} (PRO-CTCAE skip logic)",
                    )
                )
            continue
        if key not in answers:
            problems.append(
                Problem(
                    source,
                    locator,
                    key,
                    "",
                    f"{_expected(symptom, item)} (asked because {first_key} is {head.value})",
                )
            )
            continue
        answer = _parse(symptom, item.attribute, answers[key], problems, source, locator)
        if answer is not None:
            found.append(answer)
    return found


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
    """Scores of one term; follow-ons skipped because the first item was 0 count as 0."""
    first = answers.get(item_key(symptom.key, symptom.items[0].attribute))
    if first is None:
        return {}
    scores: dict[Attribute, int | None] = {first.attribute: first.value}
    for item in symptom.items[1:]:
        given = answers.get(item_key(symptom.key, item.attribute))
        scores[item.attribute] = given.value if given else (0 if first.value == 0 else None)
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
