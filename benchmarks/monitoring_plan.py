# SPDX-License-Identifier: Apache-2.0
"""Deterministic weekly capecitabine surveys and the alerts they must raise, worked out here.

The expected alerts are computed independently of ``oncoboard.monitoring``: from the default
rules as docs/monitoring.md states them and from the authors' composite grading table
(``shared/data/pro-ctcae/composite_grading_table.csv``, Basch et al. 2021, via ProAE), never from
our grading or rule code. The load benchmark and the reliability test both check against it.
"""

from __future__ import annotations

import csv
import os
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ONCOBOARD_SHARED", ROOT.parent / "shared"))
TABLE = SHARED / "data" / "pro-ctcae" / "composite_grading_table.csv"
QUESTIONNAIRE = "capecitabine"
# the capecitabine questionnaire's terms and their items in asking order (pro_ctcae_items.json)
TERMS: dict[str, tuple[str, ...]] = {
    "hand_foot_syndrome": ("severity",),
    "diarrhea": ("frequency",),
    "nausea": ("frequency", "severity"),
    "mouth_or_throat_sores": ("severity", "interference"),
}
SHORT = {"frequency": "frq", "severity": "sev", "interference": "int"}
# default rules (docs/monitoring.md): any item >=3; rise >=2 vs the previous report of the
# item (skipped follow-ons count 0); composite >=3; composite >=2 above the own best once >=2
# earlier reports; "is this urgent?" yes
SEVERE, RISE, COMPOSITE, OWN_CHANGE, OWN_HISTORY = 3, 2, 3, 2, 2


@dataclass(frozen=True)
class Survey:
    """One weekly report as the client sends it, and the staff alerts it must raise: one per
    symptom (the queue groups a report's alerts per symptom), each listing the rules that fire
    for it; the "urgent" answer joins every symptom's alert, or is one of its own."""

    patient: str
    week: int
    body: dict[str, Any]
    expected: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return str(self.body["idempotency_key"])

    @property
    def expected_rules(self) -> frozenset[str]:
        return frozenset(rule for rules in self.expected.values() for rule in rules)


def grading_table(path: Path = TABLE) -> dict[tuple[str, str, str, str], int]:
    """``(combination, frequency, severity, interference)`` -> grade, blanks kept as ''."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            (
                r["item_combination"],
                r["frequency"],
                r["severity"],
                r["interference_or_amount"],
            ): int(r["composite_grade"])
            for r in csv.DictReader(handle)
        }


def _score(rng: random.Random, frailty: float) -> int:
    """0-4, mostly low; frailer patients report higher scores more often."""
    roll = rng.random()
    for value, bar in ((4, 0.012), (3, 0.045), (2, 0.16), (1, 0.40)):
        if roll < bar * (0.3 + 0.8 * frailty):
            return value
    return 0


def _answers(rng: random.Random, frailty: float) -> dict[str, int]:
    answers: dict[str, int] = {}
    for term, attributes in TERMS.items():
        first = _score(rng, frailty)
        answers[f"{term}.{attributes[0]}"] = first
        for attribute in attributes[1:] if first > 0 else ():  # skip logic: not asked at 0
            answers[f"{term}.{attribute}"] = max(1, _score(rng, frailty + 0.5))
    return answers


def _scores(answers: dict[str, int]) -> dict[str, int]:
    """Every item of the questionnaire; a follow-on not asked counts 0."""
    return {
        f"{term}.{attribute}": answers.get(f"{term}.{attribute}", 0)
        for term, attributes in TERMS.items()
        for attribute in attributes
    }


def _composites(
    answers: dict[str, int], table: dict[tuple[str, str, str, str], int]
) -> dict[str, int]:
    grades = {}
    for term, attributes in TERMS.items():
        combination = "+".join(SHORT[a] for a in attributes)
        column = {SHORT[a]: str(answers.get(f"{term}.{a}", 0)) for a in attributes}
        grades[term] = table[
            (combination, column.get("frq", ""), column.get("sev", ""), column.get("int", ""))
        ]
    return grades


def _rules(
    scores: dict[str, int],
    grades: dict[str, int],
    urgent: bool,
    before: list[tuple[dict[str, int], dict[str, int]]],
) -> dict[str, frozenset[str]]:
    """Symptom -> the rules that fire for it, worked out from the rule text."""
    fired: dict[str, set[str]] = {}
    for term, attributes in TERMS.items():
        items = [f"{term}.{a}" for a in attributes]
        rules = fired.setdefault(term, set())
        if any(scores[i] >= SEVERE for i in items):
            rules.add("severe-answer")
        if before and any(scores[i] - before[-1][0][i] >= RISE for i in items):
            rules.add("worsening")
        if grades[term] >= COMPOSITE:
            rules.add("composite-grade")
        if len(before) >= OWN_HISTORY and (
            grades[term] - min(old[1][term] for old in before) >= OWN_CHANGE
        ):
            rules.add("personal-change")
    found = {term: rules for term, rules in fired.items() if rules}
    if urgent:
        for rules in found.values():
            rules.add("patient-urgent")
        if not found:
            found["urgent"] = {"patient-urgent"}
    return {term: frozenset(rules) for term, rules in found.items()}


def plan(
    patients: list[str],
    weeks: int,
    *,
    seed: int = 2026,
    table: dict[tuple[str, str, str, str], int] | None = None,
    tag: str = "w",
) -> dict[str, list[Survey]]:
    """``weeks`` weekly surveys per patient (authored one week apart, the last one yesterday)."""
    rng = random.Random(seed)
    table = table if table is not None else grading_table()
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=7 * weeks)
    found: dict[str, list[Survey]] = {}
    for patient in patients:
        frailty, before, surveys = rng.random(), [], []
        for week in range(weeks):
            answers = _answers(rng, frailty)
            urgent = rng.random() < 0.02
            scores, grades = _scores(answers), _composites(answers, table)
            body = {
                "questionnaire_id": QUESTIONNAIRE,
                "idempotency_key": f"{patient}-{tag}{week + 1}",
                "answers": answers,
                "urgent": urgent,
                "authored_at": (start + timedelta(days=7 * week)).isoformat(),
            }
            surveys.append(Survey(patient, week, body, _rules(scores, grades, urgent, before)))
            before.append((scores, grades))
        found[patient] = surveys
    return found
