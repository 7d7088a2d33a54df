# SPDX-License-Identifier: Apache-2.0
"""Composite grading against the authors' table, the bundled item library against NCI's list,
and the questionnaire skip logic (pure; no database)."""

from __future__ import annotations

import csv

import pytest

from oncoboard.errors import InputError
from oncoboard.monitoring.branching import Answer, check_answers, grades, missing_items
from oncoboard.monitoring.config import MonitoringConfig, MonitoringSettings
from oncoboard.monitoring.grading import Attribute, composite_grade
from oncoboard.monitoring.library import bundled_library, load_library
from tests.support import shared_file

pytestmark = pytest.mark.shared
COLUMNS = {
    "frequency": Attribute.FREQUENCY,
    "severity": Attribute.SEVERITY,
    "interference_or_amount": Attribute.INTERFERENCE,
}


def _table() -> list[dict[str, str]]:
    with shared_file("pro-ctcae", "composite_grading_table.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_row_of_the_published_composite_table() -> None:
    rows = _table()
    # wc -l composite_grading_table.csv -> 180 (header + 179 combinations, Basch 2021)
    assert len(rows) == 179
    wrong = []
    for number, row in enumerate(rows, start=2):
        attributes = [COLUMNS[c] for c in COLUMNS if row[c] != ""]
        scores = {COLUMNS[c]: int(row[c]) for c in COLUMNS if row[c] != ""}
        if len(attributes) != len(row["item_combination"].split("+")):
            # first item 0: the table writes follow-ons only when zero-imputed
            attributes = [{"frq": Attribute.FREQUENCY, "sev": Attribute.SEVERITY,
                           "int": Attribute.INTERFERENCE}[a] for a in row["item_combination"].split("+")]  # fmt: skip
        got = composite_grade(attributes, scores)
        if got != int(row["composite_grade"]):
            wrong.append((number, row, got))
    assert wrong == []


def test_amount_item_is_graded_like_interference() -> None:
    # hair loss (amount) uses the 'int' rows: grep '^int,' composite_grading_table.csv -> 0 1 1 2 2
    assert [composite_grade([Attribute.AMOUNT], {Attribute.AMOUNT: v}) for v in range(5)] == [
        0, 1, 1, 2, 2,
    ]  # fmt: skip


def test_missing_items_give_no_grade_and_a_zero_first_item_gives_zero() -> None:
    attrs = [Attribute.FREQUENCY, Attribute.SEVERITY, Attribute.INTERFERENCE]
    assert composite_grade(attrs, {Attribute.FREQUENCY: 0}) == 0
    assert composite_grade(attrs, {Attribute.FREQUENCY: 2, Attribute.SEVERITY: 2}) is None
    assert composite_grade(attrs, {}) is None
    with pytest.raises(InputError, match="outside 0-4"):
        composite_grade(attrs, {Attribute.FREQUENCY: 5})


def test_bundled_items_match_the_nci_item_list() -> None:
    full = load_library(shared_file("pro-ctcae", "items_proae_numbering.csv"))
    # awk -F, 'NR>1{print $1}' items_proae_numbering.csv | sort -u | wc -l -> 80 groups
    assert len(full.symptoms) == 80
    for key, symptom in bundled_library().symptoms.items():
        other = full.symptoms[key]
        assert (symptom.proae_group, symptom.term) == (other.proae_group, other.term)
        assert [(i.item_id, i.attribute) for i in symptom.items] == [
            (i.item_id, i.attribute) for i in other.items
        ]
    # grep 'not sexually active' items_proae_numbering.csv: item 66 (erection difficulty)
    assert full.symptoms["erection_difficulty"].items[0].missing_codes == (
        "not_sexually_active",
        "prefer_not_to_answer",
    )


CONFIG = MonitoringConfig(MonitoringSettings())
BASE = {"hand_foot_syndrome.severity": 1, "diarrhea.frequency": 0, "nausea.frequency": 0,
        "mouth_or_throat_sores.severity": 0}  # fmt: skip


def _problems(answers: dict[str, object]) -> list[str]:
    questionnaire = CONFIG.questionnaires["capecitabine"]
    _, problems = check_answers(questionnaire, CONFIG.library, answers, source="s", locator="l")
    return [str(p) for p in problems]


def test_a_complete_answer_set_passes() -> None:
    assert _problems({**BASE, "nausea.frequency": 2, "nausea.severity": 3}) == []


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        pytest.param({**BASE, "nausea.severity": 2}, "nausea.severity: expected no answer: not asked "
                     "when nausea.frequency is never/none", id="follow-on-after-never"),
        pytest.param({**BASE, "diarrhea.frequency": 5}, "diarrhea.frequency: expected an integer 0-4",
                     id="out-of-scale"),
        pytest.param({**BASE, "diarrhea.frequency": "often"}, "got 'often'", id="text"),
        pytest.param({**BASE, "diarrhea.frequency": True}, "got 'True'", id="boolean"),
        pytest.param({**BASE, "pain.frequency": 1}, "pain.frequency: expected an item of capecitabine",
                     id="not-in-questionnaire"),
        pytest.param({**BASE, "diarrhea.frequency": "not_applicable"}, "diarrhea.frequency",
                     id="na-code-not-offered"),
    ],
)  # fmt: skip
def test_branching_and_scale_violations_are_located(
    answers: dict[str, object], message: str
) -> None:
    found = _problems(answers)
    assert any(message in p for p in found), found
    assert all(p.startswith("s: l: ") for p in found)


def _checked(answers: dict[str, object]) -> list[Answer]:
    questionnaire = CONFIG.questionnaires["capecitabine"]
    found, problems = check_answers(questionnaire, CONFIG.library, answers, source="s", locator="l")
    assert problems == []
    return found


def test_blank_items_are_marked_missing_not_refused() -> None:
    """Invariant 8: a blank first item, or an asked follow-on left blank, is stored as
    not_answered and its term's composite grade is None; the answered terms are graded."""
    answers = _checked({"hand_foot_syndrome.severity": 4, "diarrhea.frequency": 0,
                        "mouth_or_throat_sores.severity": 2})  # fmt: skip
    assert missing_items(answers) == ["nausea.frequency", "mouth_or_throat_sores.interference"]
    graded = grades(CONFIG.questionnaires["capecitabine"], CONFIG.library, answers)
    # severity-only 4 -> 3 (facts §1.2); nausea and mouth sores cannot be computed
    assert graded == {"hand_foot_syndrome": 3, "diarrhea": 0, "nausea": None,
                      "mouth_or_throat_sores": None}  # fmt: skip


def test_a_follow_on_answer_is_kept_when_the_first_item_is_blank() -> None:
    without = {k: v for k, v in BASE.items() if k != "nausea.frequency"}
    answers = _checked({**without, "nausea.severity": 4})
    severity = next(a for a in answers if a.key == "nausea.severity")
    assert severity.value == 4 and not severity.blank
    assert next(a for a in answers if a.key == "nausea.frequency").blank


@pytest.mark.shared
def test_item_library_ctcae_terms_and_codes_are_ctcae_v5() -> None:
    path = shared_file("ctcae", "ctcae_v5.0_terms.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        codes = {row["ctcae_term"]: row["meddra_code"] for row in csv.DictReader(handle)}
    mapped = {s.key: s for s in bundled_library().symptoms.values() if s.ctcae_term}
    assert "hand_foot_syndrome" in mapped and "decreased_appetite" in mapped
    for symptom in mapped.values():
        assert codes[symptom.ctcae_term or ""] == symptom.ctcae_code, symptom.key
