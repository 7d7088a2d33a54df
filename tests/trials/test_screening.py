# SPDX-License-Identifier: Apache-2.0
"""Recent major surgery, investigational agents and live vaccines before the first dose: the reader on real
CT.gov wording and variants, the check against the dated treatment history."""

from __future__ import annotations

from datetime import date

import pytest

from oncoboard.record.schemas import ClinicalFinding, Demographics, Treatment
from oncoboard.trials.engine import Screening, TrialCriteria, match_trial
from oncoboard.trials.read_screening import recent_events
from oncoboard.trials.schemas import Criterion, CriterionResult, CriterionState
from tests.trials.support import criteria_of, exclusion_result, one_item, record

TODAY = date(2026, 1, 15)
MAN = Demographics(sex="male", birth_date="1958-05-02")
CHEMO = Treatment(category="medication", name="Carboplatin", start="2025-07-01",
                  end="2025-09-10", status="stopped")  # fmt: skip
AMLODIPINE = Treatment(category="medication", name="Amlodipine", start="2012-01-10",
                       status="active")  # fmt: skip
LUMPECTOMY = Treatment(category="procedure", name="Lumpectomy", start="2025-10-14")


@pytest.mark.parametrize(
    ("text", "event", "days"),
    [
        ("Major surgery within 4 weeks prior to the first dose of study drug.", "major_surgery", 28),
        ("Has had major surgery ≤ 3 weeks prior to first dose", "major_surgery", 21),
        ("Major surgical procedure (excluding placement of vascular access) within 28 days of "
         "randomization", "major_surgery", 28),
        ("Received any investigational drug in the last 28 days", "investigational_agent", 28),
        ("Participation in another clinical study with an investigational product during the "
         "last 4 weeks", "investigational_agent", 28),
        ("Treatment with any other investigational agent within 4 weeks before Day 1",
         "investigational_agent", 28),
        ("Receipt of live attenuated vaccine within 28 days", "live_vaccine", 28),
    ],
)  # fmt: skip
def test_the_event_and_its_window_are_read(text: str, event: str, days: int) -> None:
    (found,) = {c for _, _, c in recent_events(text)}
    assert (found.event, found.within_days) == (event, days)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    [
        "Recent major surgery",  # no window
        "Investigational agent within 28 days or 5 half-lives, whichever is longer",
        "Minor surgery within 7 days",
    ],
)
def test_no_window_or_a_longer_alternative_is_not_read(text: str) -> None:
    assert list(recent_events(text)) == []


def _item(text: str, *facts: object) -> CriterionResult:
    return exclusion_result(text, TODAY, MAN, *facts)  # type: ignore[arg-type]


def test_surgery_outside_the_window_rules_the_exclusion_out_and_is_named() -> None:
    item = _item("Major surgery within 4 weeks prior to the first dose", LUMPECTOMY, CHEMO)
    assert item.state is CriterionState.NOT_MET
    assert "Lumpectomy (2025-10-14), 93 days before screening" in item.reason


def test_surgery_inside_the_window_is_never_concluded_major() -> None:
    recent = LUMPECTOMY.model_copy(update={"start": "2026-01-02"})
    item = _item("Major surgery within 4 weeks prior to the first dose", recent)
    assert item.state not in (CriterionState.MET, CriterionState.NOT_MET)
    assert "whether it was major needs a clinician" in item.reason


def test_no_treatment_history_decides_nothing() -> None:
    item = _item("Major surgery within 4 weeks prior to the first dose")
    assert item.state is CriterionState.UNKNOWN


def test_investigational_agents_are_looked_for_among_anticancer_medicines() -> None:
    text = "Received an investigational agent within 28 days prior to the first dose"
    item = _item(text, CHEMO, AMLODIPINE)  # amlodipine, ongoing, is not an anticancer drug
    assert item.state is CriterionState.NOT_MET and "Carboplatin (2025-09-10)" in item.reason
    recent = CHEMO.model_copy(update={"end": "2026-01-05"})
    assert _item(text, recent).state not in (CriterionState.MET, CriterionState.NOT_MET)
    coded = Treatment(category="medication", name="MK-1084", start="2025-12-01", status="active")
    assert _item(text, CHEMO, coded).state not in (CriterionState.MET, CriterionState.NOT_MET)


@pytest.mark.shared
def test_real_investigational_agent_item() -> None:
    # NCT06385925 E5 "Has participated in a study of investigational agent and received the
    # investigational agent within 21 days or 5 half-lives, if known (whichever is shorter) …"
    criterion = criteria_of("NCT06385925")["E5"]
    assert [s.constraint.type for s in criterion.constraints] == ["recent_event"]
    trial = TrialCriteria("NCT06385925", "v", "x", (criterion,))
    match = match_trial(trial, Screening.of(record("PT-1", MAN, CHEMO), TODAY))
    assert match.criteria[0].state is CriterionState.NOT_MET


def _shot(name: str, when: str) -> ClinicalFinding:
    return ClinicalFinding(display=f"Immunization: {name}", effective=when, onset=when)


def test_live_vaccines_are_read_against_the_recorded_immunizations() -> None:
    text = "Have received a live vaccine within 30 days prior to the first dose of study drug."
    flu = _shot("Influenza, seasonal, injectable, preservative free", "2025-10-02")
    item = _item(text, flu)
    assert item.state is CriterionState.NOT_MET and "105 days before screening" in item.reason
    zoster = _shot("zoster vaccine, live", "2026-01-02")
    live = _item(text, flu, zoster)
    assert live.state is CriterionState.MET and "zoster vaccine, live" in live.reason
    covid = _shot("SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein", "2026-01-02")
    assert _item(text, covid).state is CriterionState.NOT_MET  # mRNA: not live
    unnamed = _shot("Influenza, seasonal, injectable", "2026-01-02")  # type not in the name
    assert _item(text, unnamed).state not in (CriterionState.MET, CriterionState.NOT_MET)
    assert _item(text).state is CriterionState.UNKNOWN  # no immunization history


@pytest.mark.parametrize(
    "text",
    [
        "Concurrent therapy with other Investigational Products.",
        "Patients who are receiving any other investigational agents.",
    ],
)
def test_investigational_agents_now_are_read_as_ongoing(text: str) -> None:
    (found,) = {c for _, _, c in recent_events(text)}
    assert found.within_days == 0  # type: ignore[union-attr]
    item = _item(text, CHEMO, AMLODIPINE)
    assert item.state is CriterionState.NOT_MET and "ongoing at screening" in item.reason
    ongoing = CHEMO.model_copy(update={"end": None, "status": "active"})
    assert _item(text, ongoing).state not in (CriterionState.MET, CriterionState.NOT_MET)


def test_a_non_oncology_live_vaccine_item_is_read_whole() -> None:
    text = ("Has received any non-oncology live vaccine therapy used for prevention of infectious "
            "diseases within 28 days of study treatment.")  # fmt: skip
    criterion = one_item(text)
    assert not criterion.partial
    assert [s.constraint.type for s in criterion.constraints] == ["recent_event"]


def test_the_study_s_own_experimental_treatment_is_not_an_investigational_agent() -> None:
    # NCT03745326 E5 "Concurrent opportunistic infections (The experimental treatment being
    # evaluated in this protocol depends on an intact immune system. …)"
    text = ("Concurrent opportunistic infections (The experimental treatment being evaluated in "
            "this protocol depends on an intact immune system.)")  # fmt: skip
    assert list(recent_events(text)) == []


def _criterion(text: str) -> Criterion:
    return one_item(text)


def test_words_between_the_event_and_its_window_are_not_swallowed() -> None:
    # "or significant traumatic injury" is a second reason: it stays unread, for review
    criterion = _criterion(
        "Patients who have had major surgery or significant traumatic injury within 4 weeks of "
        "start of study drug"
    )
    assert criterion.partial and "traumatic" in (criterion.unread or "")
    item = _item("Major surgery or significant traumatic injury within 4 weeks", LUMPECTOMY)
    assert item.state is not CriterionState.NOT_MET


def test_examples_and_permissions_around_a_live_vaccine_item_are_not_requirements() -> None:
    examples = _criterion(
        "Receipt of a live vaccine within 30 days prior to the first dose of study treatment. "
        "Examples of live vaccines include measles, mumps, rubella, varicella/zoster (chicken "
        "pox), yellow fever, rabies, BCG, and typhoid vaccine."
    )
    assert not examples.partial
    allowed = _criterion(
        "Has received a live-virus vaccination within 30 days of planned treatment start. "
        "Seasonal flu vaccines that do not contain live virus are permitted."
    )
    assert not allowed.partial and allowed.has_exceptions
