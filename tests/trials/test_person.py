"""Pregnancy items naming women of childbearing potential, against a recorded menopausal status."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from oncoboard.record.schemas import ClinicalFinding, Demographics, LabResult
from oncoboard.trials.read_person import pregnancy
from oncoboard.trials.schemas import CriterionState, PregnancyConstraint
from tests.trials.support import exclusion_result, item_result

TODAY = date(2026, 1, 15)
WOMAN = Demographics(sex="female", birth_date="1972-07-22")
MAN = Demographics(sex="male", birth_date="1958-05-02")
POSTMENOPAUSAL = ClinicalFinding(display="Postmenopausal state", onset="2024-01-01")
NOT_PREGNANT = ClinicalFinding(display="Pregnancy status: Not pregnant", effective="2026-01-05")
# NCT02513394 I10 and E8, then variants written for this reader
TEST_IN_PREMENOPAUSAL = (
    "Serum or urine pregnancy test must be negative in premenopausal women within 14 days of "
    "randomization, or in women with amenorrhea of less than 12 months at time of randomization."
)
WOCBP_WITHOUT_TEST = (
    "Pregnant women, or women of childbearing potential without a negative pregnancy test "
    "within 14 days prior to randomization."
)


def _inclusion(text: str, *facts: object) -> CriterionState:
    return item_result(text, TODAY, *facts, section="inclusion").state  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        TEST_IN_PREMENOPAUSAL,
        "WOCBP must have a negative serum pregnancy test within 7 days before the first dose",
        "Women of child-bearing potential must have a negative urine pregnancy test at screening",
    ],
)
def test_a_pregnancy_test_for_women_of_childbearing_potential(text: str) -> None:
    (c,) = [c for _, _, c in pregnancy(text)]
    assert isinstance(c, PregnancyConstraint) and c.childbearing_only
    # not applicable to a woman recorded postmenopausal, nor to a man
    assert _inclusion(text, WOMAN, POSTMENOPAUSAL, NOT_PREGNANT) is CriterionState.MET
    assert _inclusion(text, MAN) is CriterionState.MET
    # a woman without a recorded menopausal status and no test in the protocol's window: the
    # test is what is missing (done at screening), or the item stays for review without a window
    assert _inclusion(text, WOMAN, NOT_PREGNANT) in (
        CriterionState.UNKNOWN,
        CriterionState.NEEDS_REVIEW,
    )


def test_pregnant_or_wocbp_without_a_test_does_not_apply_after_menopause() -> None:
    result = exclusion_result(WOCBP_WITHOUT_TEST, TODAY, WOMAN, POSTMENOPAUSAL, NOT_PREGNANT)
    assert result.state is CriterionState.NOT_MET
    assert "postmenopausal recorded" in result.reason
    no_test = exclusion_result(WOCBP_WITHOUT_TEST, TODAY, WOMAN, NOT_PREGNANT)
    assert no_test.state is CriterionState.UNKNOWN
    assert "pregnancy test within 14 days" in no_test.reason


def test_menopause_is_not_used_where_the_item_does_not_name_childbearing_potential() -> None:
    """ "Pregnant or breastfeeding women": decided from the recorded pregnancy status only."""
    (c,) = [c for _, _, c in pregnancy("Pregnant or breastfeeding women")]
    assert not c.childbearing_only
    result = exclusion_result("Pregnant or breastfeeding women", TODAY, WOMAN, POSTMENOPAUSAL)
    assert result.state is CriterionState.UNKNOWN
    # "premenopausal" is childbearing potential, "perimenopausal" is not read as menopause
    peri = ClinicalFinding(display="Perimenopausal state")
    assert exclusion_result(WOCBP_WITHOUT_TEST, TODAY, WOMAN, peri).state is not (
        CriterionState.NOT_MET
    )


def _hcg(value: str, when: str) -> LabResult:
    return LabResult(name="Choriogonadotropin (pregnancy test) [Presence] in Serum",
                     value_text=value, effective=when)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "days"),
    [
        (TEST_IN_PREMENOPAUSAL, 14),
        ("WOCBP must have a negative serum pregnancy test within 7 days before the first dose", 7),
        ("Negative serum beta-hCG pregnancy test within 72 hours prior to day 1 in women of "
         "childbearing potential", 3),
        ("Women of childbearing potential: a negative pregnancy test within 2 weeks of "
         "registration", 14),
    ],
)  # fmt: skip
def test_a_negative_pregnancy_test_in_the_protocols_window_shows_not_pregnant(
    text: str, days: int
) -> None:
    (c,) = [c for _, _, c in pregnancy(text)]
    assert c.test_within_days == days
    recent = _hcg("Negative", (TODAY - timedelta(days=days)).isoformat())
    assert _inclusion(text, WOMAN, recent) is CriterionState.MET
    # a test older than the window, or none: the test is repeated at screening
    stale = _hcg("Negative", (TODAY - timedelta(days=days + 1)).isoformat())
    assert _inclusion(text, WOMAN, stale) is CriterionState.UNKNOWN
    # a positive test in the window: not eligible
    assert _inclusion(text, WOMAN, _hcg("Positive", TODAY.isoformat())) is CriterionState.NOT_MET
    # the latest test in the window decides
    both = (_hcg("Positive", "2026-01-02"), _hcg("Negative", "2026-01-12"))
    if days >= 13:
        assert _inclusion(text, WOMAN, *both) is CriterionState.MET


def test_wocbp_without_a_negative_test_in_the_window_is_read_against_the_test() -> None:
    negative = _hcg("Negative", "2026-01-12")
    result = exclusion_result(WOCBP_WITHOUT_TEST, TODAY, WOMAN, NOT_PREGNANT, negative)
    assert result.state is CriterionState.NOT_MET
    assert "pregnancy test negative on 2026-01-12" in result.reason
    positive = exclusion_result(WOCBP_WITHOUT_TEST, TODAY, WOMAN, _hcg("Positive", "2026-01-12"))
    assert positive.state is CriterionState.MET
    # a pregnancy recorded after a negative test in the window: the pregnancy decides
    pregnant = ClinicalFinding(display="Pregnancy status: Pregnant", effective="2026-01-14")
    later = exclusion_result(WOCBP_WITHOUT_TEST, TODAY, WOMAN, negative, pregnant)
    assert later.state is CriterionState.MET
    assert "pregnancy or breastfeeding recorded" in later.reason
    # breastfeeding is not shown by a pregnancy test: that item keeps its own reading
    (c,) = [c for _, _, c in pregnancy(
        "Pregnant or breastfeeding women, or a positive pregnancy test within 7 days")]  # fmt: skip
    assert c.breastfeeding
    lactating = exclusion_result(
        "Pregnant or breastfeeding women, or a positive pregnancy test within 7 days",
        TODAY, WOMAN, negative,
    )  # fmt: skip
    assert lactating.state is not CriterionState.NOT_MET
