# SPDX-License-Identifier: Apache-2.0
"""Composite grading against the authors' table, the bundled item library against NCI's list,
and the questionnaire skip logic (pure; no database)."""

from __future__ import annotations

import csv

import pytest

from oncoboard.errors import InputError
from oncoboard.monitoring.branching import check_answers
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
        pytest.param({**BASE, "nausea.frequency": 3}, "nausea.severity: expected an integer 0-4",
                     id="follow-on-missing"),
        pytest.param({**BASE, "diarrhea.frequency": 5}, "diarrhea.frequency: expected an integer 0-4",
                     id="out-of-scale"),
        pytest.param({**BASE, "diarrhea.frequency": "often"}, "got 'often'", id="text"),
        pytest.param({**BASE, "diarrhea.frequency": True}, "got 'True'", id="boolean"),
        pytest.param({k: v for k, v in BASE.items() if k != "diarrhea.frequency"},
                     "diarrhea.frequency: expected an integer 0-4", id="first-item-missing"),
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
