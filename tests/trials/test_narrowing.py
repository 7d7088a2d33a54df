"""Narrowing qualifiers of an exclusion (``narrowing``): absent decides, present is reviewed."""

from __future__ import annotations

from datetime import date

import pytest

from oncoboard.record.schemas import ClinicalFinding, Demographics
from oncoboard.trials import decide
from oncoboard.trials.narrowing import NARROWING
from oncoboard.trials.schemas import CriterionState
from tests.trials.support import exclusion_result, one_item

TODAY = date(2026, 1, 15)
MAN = Demographics(sex="male", birth_date="1958-05-02")


def _finding(display: str, present: bool) -> ClinicalFinding:
    return ClinicalFinding(display=display, present=present)


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("Grade III-IV heart failure", "Heart failure"),
        ("NYHA class III or IV heart failure", "Heart failure"),
        ("Uncontrolled infection requiring intravenous antibiotics", "Active infection"),
        (
            "Active infection that cannot be controlled or requires intravenous administration",
            "Active infection",
        ),
    ],
)
def test_a_qualifier_only_narrows_an_absent_condition(text: str, condition: str) -> None:
    absent = exclusion_result(text, TODAY, MAN, _finding(condition, False))
    assert absent.state is CriterionState.NOT_MET
    assert "recorded absent" in absent.reason
    # present: the qualifier decides, and no reader of it is given: a clinician reads it
    present = exclusion_result(text, TODAY, MAN, _finding(condition, True))
    assert present.state in (CriterionState.NEEDS_REVIEW, CriterionState.UNKNOWN)
    assert not present.excludes


@pytest.mark.parametrize(
    "text",
    [
        "Suspected infection requiring intravenous antibiotics",  # widens: suspected ones too
        "Heart failure or other cardiac disease",  # "other …" adds reasons
        "History of heart failure or risk of heart failure",
    ],
)
def test_widening_words_are_not_narrowing(text: str) -> None:
    criterion = one_item(text)
    assert not criterion.narrowed
    result = exclusion_result(text, TODAY, MAN, _finding("Heart failure", False),
                              _finding("Active infection", False))  # fmt: skip
    assert result.state is not CriterionState.NOT_MET or not criterion.partial


def test_the_rule_is_one_decision_for_every_family() -> None:
    """The same flag decides any exclusion: held absent → not met; held → needs review;
    unknown stays unknown. Inclusions are never narrowed."""
    flags = (False, True, False, False, False, False, False, True)
    part = (0, False, "infection", False, False)
    assert decide.evaluate(flags, [part])[0] is CriterionState.NOT_MET
    assert decide.evaluate(flags, [(0, True, "infection", False, False)])[0] is (
        CriterionState.NEEDS_REVIEW
    )
    assert decide.evaluate(flags, [(0, None, "infection", False, False)])[0] is (
        CriterionState.UNKNOWN
    )
    # a payload of the earlier format (seven flags) is read as not narrowed
    assert decide.evaluate(flags[:7], [part])[0] is CriterionState.NEEDS_REVIEW


@pytest.mark.parametrize(
    ("phrase", "narrows"),
    [
        ("grade ≥ 3", True), ("CTCAE grade 3 or higher", True), ("symptomatic", True),
        ("requiring hospitalization", True), ("poorly controlled", True),
        ("suspected", False), ("history of", False), ("or other", False),
    ],
)  # fmt: skip
def test_narrowing_vocabulary(phrase: str, narrows: bool) -> None:
    match = NARROWING.fullmatch(phrase)
    assert (match is not None) is narrows
