"""'On antiretroviral therapy' against the current medicines, one by one."""

from __future__ import annotations

from datetime import date

import pytest

from oncoboard.record.schemas import Demographics, Treatment
from oncoboard.trials.read_medication import antiretroviral
from oncoboard.trials.schemas import CriterionState
from tests.trials.support import exclusion_result

TODAY = date(2026, 1, 15)
MAN = Demographics(sex="male", birth_date="1958-05-02")
AMLODIPINE = Treatment(category="medication", name="Amlodipine", status="active",
                       start="2012-01-10", reason="Essential hypertension")  # fmt: skip
ANASTROZOLE = Treatment(category="medication", name="Anastrozole", status="active",
                        start="2025-12-15")  # fmt: skip
OLD_CHEMO = Treatment(category="medication", name="Carboplatin", status="completed",
                      start="2025-01-10", end="2025-05-01")  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "Patients on antiretroviral therapy.",  # NCT02513394 E11
        "Currently receiving antiretroviral medications",
        "Participants receiving highly active antiretroviral therapy (HAART)",
    ],
)
def test_antiretroviral_therapy_is_ruled_out_medicine_by_medicine(text: str) -> None:
    assert [type(c).__name__ for _, _, c in antiretroviral(text)] == [
        "CurrentAntiretroviralConstraint"
    ]
    result = exclusion_result(text, TODAY, MAN, AMLODIPINE, ANASTROZOLE, OLD_CHEMO)
    assert result.state is CriterionState.NOT_MET, result.reason
    assert "Amlodipine (for Essential hypertension)" in result.reason
    assert "Anastrozole (anticancer)" in result.reason and "Carboplatin" not in result.reason


@pytest.mark.parametrize(
    ("medicine", "why"),
    [
        (
            Treatment(
                category="medication",
                name="Bictegravir/emtricitabine/tenofovir alafenamide",
                status="active",
            ),
            "antiviral name",
        ),
        # a brand name says nothing; the reason (HIV prophylaxis) keeps it for review
        (
            Treatment(
                category="medication",
                name="Truvada",
                status="active",
                reason="HIV pre-exposure prophylaxis",
            ),
            "Truvada",
        ),
        (Treatment(category="medication", name="Descovy", status="active"), "no reason recorded"),
    ],
)
def test_a_medicine_that_may_be_antiretroviral_keeps_it_for_review(
    medicine: Treatment, why: str
) -> None:
    result = exclusion_result("Patients on antiretroviral therapy.", TODAY, MAN, AMLODIPINE,
                              medicine)  # fmt: skip
    assert result.state is not CriterionState.NOT_MET
    assert why in result.reason


def test_no_current_medicines_decide_nothing() -> None:
    result = exclusion_result("Patients on antiretroviral therapy.", TODAY, MAN, OLD_CHEMO)
    assert result.state is CriterionState.UNKNOWN
    assert "no current medicines recorded" in result.reason


def test_prior_antiretroviral_therapy_is_left_to_the_prior_therapy_reader() -> None:
    assert list(antiretroviral("Prior antiretroviral therapy")) == []
    assert list(antiretroviral("History of HIV on antiretroviral therapy")) != []


def test_an_inclusion_asking_for_no_antiretroviral_therapy_is_a_negation() -> None:
    from oncoboard.trials.constraints import structure
    from oncoboard.trials.engine import Screening, TrialCriteria, match_trial
    from oncoboard.trials.schemas import Eligibility
    from tests.trials.support import record

    eligibility = Eligibility(
        criteria_text="Inclusion Criteria:\n\n* Patients must not be on antiretroviral therapy",
        sex="ALL", minimum_age_years=18.0, maximum_age_years=None, minimum_age_text="18 Years",
        maximum_age_text=None, healthy_volunteers=False,
    )  # fmt: skip
    trial = TrialCriteria("NCT00000000", "v", "synthetic", structure(eligibility))
    match = match_trial(trial, Screening.of(record("PT-1", MAN, AMLODIPINE), TODAY))
    item = next(c for c in match.criteria if c.criterion_id == "I1")
    assert item.state is CriterionState.MET, item.reason
