# SPDX-License-Identifier: Apache-2.0
"""Each default alert rule on hand-made report sequences, and rule-parameter validation (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest

from oncoboard.errors import InputError
from oncoboard.monitoring.rules import (
    MissedReportRule,
    Report,
    load_ruleset,
    missed_report_stage,
    parse_ruleset,
)

RULES = load_ruleset()
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def report(n: int, scores: dict[str, int | None], grades: dict[str, int | None] | None = None,
           urgent: bool | None = None) -> Report:  # fmt: skip
    return Report(f"s{n}", T0 + timedelta(days=7 * n), scores, grades or {}, urgent)


def fired(sequence: list[Report]) -> dict[str, list[tuple[str, int, int | None]]]:
    """Rule id -> triggers for the last report of the sequence."""
    *history, current = sequence
    from oncoboard.monitoring.rules import evaluate

    return {
        d.rule.id: [(t.item, t.value, t.previous) for t in d.triggers]
        for d in evaluate(RULES, current, history)
    }


def test_first_report_severe_fires_threshold_only() -> None:
    got = fired([report(0, {"nausea.frequency": 3, "nausea.severity": 2}, {"nausea": 2})])
    assert got == {"severe-answer": [("nausea.frequency", 3, None)]}


def test_first_report_mild_fires_nothing() -> None:
    assert fired([report(0, {"nausea.frequency": 2, "nausea.severity": 2}, {"nausea": 2})]) == {}


def test_rise_of_exactly_two_fires_worsening_and_one_does_not() -> None:
    seq = [report(0, {"diarrhea.frequency": 0}, {"diarrhea": 0}),
           report(1, {"diarrhea.frequency": 2}, {"diarrhea": 1})]  # fmt: skip
    assert fired(seq) == {"worsening": [("diarrhea.frequency", 2, 0)]}
    seq[1] = report(1, {"diarrhea.frequency": 1}, {"diarrhea": 1})
    assert fired(seq) == {}


def test_worsening_compares_with_a_follow_on_skipped_as_zero() -> None:
    # nausea never (severity not asked, imputed 0) -> occasionally + moderate: severity 0 -> 2
    seq = [report(0, {"nausea.frequency": 0, "nausea.severity": 0}, {"nausea": 0}),
           report(1, {"nausea.frequency": 2, "nausea.severity": 2}, {"nausea": 2})]  # fmt: skip
    assert fired(seq)["worsening"] == [("nausea.frequency", 2, 0), ("nausea.severity", 2, 0)]


def test_plateau_at_three_keeps_the_threshold_but_not_worsening() -> None:
    seq = [report(0, {"hand_foot_syndrome.severity": 3}, {"hand_foot_syndrome": 3}),
           report(1, {"hand_foot_syndrome.severity": 3}, {"hand_foot_syndrome": 3})]  # fmt: skip
    got = fired(seq)
    assert set(got) == {"severe-answer", "composite-grade"}
    assert got["composite-grade"] == [("hand_foot_syndrome.composite", 3, None)]


def test_recovery_fires_nothing() -> None:
    seq = [report(0, {"hand_foot_syndrome.severity": 3}, {"hand_foot_syndrome": 3}),
           report(1, {"hand_foot_syndrome.severity": 1}, {"hand_foot_syndrome": 1})]  # fmt: skip
    assert fired(seq) == {}


def test_severity_four_is_high_priority() -> None:
    from oncoboard.monitoring.rules import evaluate

    drafts = evaluate(RULES, report(0, {"pain.frequency": 3, "pain.severity": 4,
                                        "pain.interference": 1}, {"pain": 3}), [])  # fmt: skip
    priority = {d.rule.id: d.priority for d in drafts}
    assert priority == {"severe-answer": "high", "composite-grade": "normal"}


def test_personal_change_catches_slow_drift_from_own_best() -> None:
    # 0 -> 1 -> 2: no step of 2, but 2 above the best (0) once two reports exist
    seq = [report(0, {"fatigue.severity": 0}, {"fatigue": 0}),
           report(1, {"fatigue.severity": 1, "fatigue.interference": 1}, {"fatigue": 1}),
           report(2, {"fatigue.severity": 2, "fatigue.interference": 1}, {"fatigue": 2})]  # fmt: skip
    got = fired(seq)
    assert got == {"personal-change": [("fatigue.composite", 2, 0)]}
    assert fired(seq[1:]) == {}  # only one earlier report: below min_history


def test_patient_urgent_answer_is_high_priority() -> None:
    from oncoboard.monitoring.rules import evaluate

    drafts = evaluate(RULES, report(0, {"cough.severity": 1}, {"cough": 1}, urgent=True), [])
    assert [(d.rule.id, d.priority) for d in drafts] == [("patient-urgent", "high")]


def test_missed_report_stages() -> None:
    rule = next(r for r in RULES.rules if isinstance(r, MissedReportRule))
    due = T0
    assert missed_report_stage(rule, due_at=due, now=due + timedelta(hours=23)) is None
    assert missed_report_stage(rule, due_at=due, now=due + timedelta(hours=24)) == "reminder"
    assert missed_report_stage(rule, due_at=due, now=due + timedelta(hours=72)) == "staff_task"


def _defaults() -> dict[str, object]:
    text = resources.files("oncoboard.monitoring").joinpath("data", "alert_rules.json").read_text()
    return dict(json.loads(text))


def test_a_bad_parameter_names_rule_field_value_and_range() -> None:
    doc = _defaults()
    doc["rules"][1]["min_rise"] = 7  # type: ignore[index]
    with pytest.raises(InputError) as caught:
        parse_ruleset(doc, source="site-rules.json")
    assert [str(p) for p in caught.value.problems] == [
        "site-rules.json: rule worsening: min_rise: expected an integer from 1 to 4, got '7'"
    ]


def test_every_bad_parameter_is_reported() -> None:
    doc = _defaults()
    doc["rules"][0]["min_value"] = 0  # type: ignore[index]
    doc["rules"][2]["min_grade"] = 4  # type: ignore[index]
    doc["rules"][5]["reminder_after_hours"] = 80  # type: ignore[index]
    with pytest.raises(InputError) as caught:
        parse_ruleset(doc, source="r.json")
    found = [(p.locator, p.field) for p in caught.value.problems]
    assert ("rule severe-answer", "min_value") in found
    assert ("rule composite-grade", "min_grade") in found
    assert any(p.locator == "rule missed-report" and "must exceed" in p.expected
               for p in caught.value.problems)  # fmt: skip


def test_duplicate_rule_ids_are_refused() -> None:
    doc = _defaults()
    doc["rules"].append(doc["rules"][0])  # type: ignore[attr-defined, index]
    with pytest.raises(InputError, match="not unique"):
        parse_ruleset(doc, source="r.json")


def _groups(sequence: list[Report]):  # type: ignore[no-untyped-def]
    from oncoboard.monitoring.rules import evaluate, group

    *history, current = sequence
    return {g.symptom: g for g in group(evaluate(RULES, current, history))}


def test_alerts_of_one_report_are_grouped_per_symptom_with_their_own_priority() -> None:
    # HFS severity 4 (high) and nausea frequently 3 (normal): one item each; the threshold
    # draft's "high" belongs to hand-foot syndrome only
    got = _groups([report(0, {"hand_foot_syndrome.severity": 4, "nausea.frequency": 3,
                              "nausea.severity": 1}, {"hand_foot_syndrome": 3, "nausea": 1})])  # fmt: skip
    assert set(got) == {"hand_foot_syndrome", "nausea"}
    hfs, nausea = got["hand_foot_syndrome"], got["nausea"]
    assert [r.rule.id for r in hfs.reasons] == ["severe-answer", "composite-grade"]
    assert (hfs.priority, nausea.priority) == ("high", "normal")
    assert [t.item for t in nausea.triggers] == ["nausea.frequency"]


def test_the_urgent_answer_joins_every_symptom_or_stands_alone() -> None:
    with_symptom = _groups([report(0, {"diarrhea.frequency": 3}, {"diarrhea": 2}, urgent=True)])
    assert list(with_symptom) == ["diarrhea"]
    assert [r.rule.id for r in with_symptom["diarrhea"].reasons] == [
        "severe-answer",
        "patient-urgent",
    ]
    assert with_symptom["diarrhea"].priority == "high"
    alone = _groups([report(0, {"diarrhea.frequency": 1}, {"diarrhea": 1}, urgent=True)])
    assert list(alone) == ["urgent"] and alone["urgent"].priority == "high"
