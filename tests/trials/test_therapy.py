# SPDX-License-Identifier: Apache-2.0
"""Prior therapy: the drug vocabulary, windows, ongoing and completed therapy, reactions, lines."""

from __future__ import annotations

from datetime import date

import pytest

from oncoboard.actionability.facts import PatientFacts
from oncoboard.record.schemas import ClinicalFinding, Treatment
from oncoboard.trials import drugs
from oncoboard.trials.constraints import extract
from oncoboard.trials.eval_therapy import member, prior_lines, prior_therapy, regimens
from oncoboard.trials.schemas import PriorLinesConstraint, PriorTherapyConstraint
from oncoboard.trials.view import PatientView
from tests.trials.support import record

TODAY = date(2026, 1, 15)


def _med(name: str, start: str, end: str | None = None, **kw: str) -> Treatment:
    status = kw.get("status", "stopped" if end else "active")
    return Treatment(category="medication", name=name, start=start, end=end, status=status,
                     reason=kw.get("reason"))  # fmt: skip


def _view(*facts: object) -> PatientView:
    rec = record("P", *facts)  # type: ignore[arg-type]
    return PatientView.build(rec, PatientFacts.from_record(rec), TODAY)


def _therapy(text: str, section: str = "exclusion") -> list[PriorTherapyConstraint]:
    return [c for _, _, c in extract(text, section) if isinstance(c, PriorTherapyConstraint)]


FOLFOX = [_med(d, "2024-04-02", "2024-11-05", reason="Adenocarcinoma of sigmoid colon")
          for d in ("Oxaliplatin", "Fluorouracil", "Leucovorin", "Bevacizumab")]  # fmt: skip
FOLFIRI = [_med(d, "2024-12-03", "2025-11-18", reason="Adenocarcinoma of sigmoid colon")
           for d in ("Irinotecan", "Fluorouracil", "Leucovorin", "Bevacizumab")]  # fmt: skip
AMLODIPINE = _med("Amlodipine", "2012-01-10", reason="Essential hypertension")


def test_classes_follow_moalmanac_strategies() -> None:
    members = drugs.members()
    # MOAlmanac therapies.json: strategy "Platinum-based chemotherapy"
    assert members["platinum-based chemotherapy"] == {"carboplatin", "cisplatin", "oxaliplatin"}
    assert "lenvatinib" not in members["EGFR inhibitor"]  # "VEGFR inhibition" is not EGFR
    assert "lenvatinib" in members["anti-angiogenic therapy"]
    assert "prednisone" not in members["systemic anticancer therapy"]  # a corticosteroid
    assert drugs.ncit("pembrolizumab") == "C106432"


def test_a_medicine_given_for_another_condition_is_not_anticancer() -> None:
    anticancer = PriorTherapyConstraint(
        drug_class="systemic anticancer therapy",
        drugs=tuple(drugs.members()["systemic anticancer therapy"]),
    )
    assert member(anticancer, AMLODIPINE) is False
    unknown = _med("ABC-123", "2025-01-01", reason="Lung adenocarcinoma")
    assert member(anticancer, unknown) is None  # given for the cancer, not in the vocabulary
    assert member(anticancer, _med("Leucovorin", "2024-04-02")) is False  # supportive
    steroid = PriorTherapyConstraint(drug_class="corticosteroid", drugs=())
    assert member(steroid, _med("Dexamethasone 4 mg", "2025-01-01")) is True
    assert member(steroid, AMLODIPINE) is False


def test_window_with_half_lives_decides_only_outside_it() -> None:
    (c,) = _therapy(
        "Prior systemic anti-cancer treatment within 21 days or 5 half-lives (whichever is "
        "shorter will be used as the criteria) prior to the first dose of study drug."
    )
    assert (c.drug_class, c.within_days, c.half_lives) == ("systemic anticancer therapy", 21, True)
    ongoing = _view(_med("Anastrozole", "2025-12-15", reason="Invasive ductal carcinoma"))
    assert prior_therapy(c, ongoing).holds is True
    ten_days = _view(_med("Pemetrexed", "2025-07-01", "2026-01-05", reason="Lung adenocarcinoma"))
    assert prior_therapy(c, ten_days).holds is None  # 5 half-lives may be shorter
    long_ago = _view(*FOLFIRI, AMLODIPINE)
    answer = prior_therapy(c, long_ago)
    assert answer.holds is False and "within 21 days" in answer.reason


def test_completed_therapy_means_none_ongoing() -> None:
    (c,) = _therapy("Patients must have completed any prior systemic therapy at the time of "
                    "enrollment.", "inclusion")  # fmt: skip
    assert c.current and c.negated
    assert prior_therapy(c, _view(*FOLFIRI, AMLODIPINE)).holds is True
    on_ai = _view(_med("Anastrozole", "2025-12-15", reason="Invasive ductal carcinoma"))
    assert prior_therapy(c, on_ai).holds is False


def test_a_reaction_to_a_class_presupposes_having_received_it() -> None:
    (c,) = _therapy("Experienced certain serious side effects with prior immunotherapy.")
    assert c.presupposed and c.drug_class == "immunotherapy"
    assert prior_therapy(c, _view(*FOLFOX)).holds is False
    pembro = _med("Pembrolizumab", "2025-07-01", "2025-11-20", reason="Lung adenocarcinoma")
    answer = prior_therapy(c, _view(pembro))
    assert answer.holds is None and answer.missing == "reactions to immunotherapy"


@pytest.mark.parametrize(
    "text",
    [
        "Any contra-indication, to use of any of the combination chemotherapy partners.",
        "Uncontrolled bacterial or viral infection requiring systemic therapy.",
    ],
    ids=["contraindication", "infection-therapy"],
)
def test_phrases_that_are_not_about_receiving_therapy(text: str) -> None:
    assert _therapy(text) == []


def test_regimens_lines_and_progression() -> None:
    worsened = ClinicalFinding(display="Cancer disease status: Patient's condition worsened",
                               effective="2025-12-02")  # fmt: skip
    view = _view(*FOLFOX, *FOLFIRI, AMLODIPINE, worsened)
    groups, outside = regimens(view)
    assert [len(g) for g in groups] == [3, 3] and outside == []  # leucovorin is not counted
    two = prior_lines(PriorLinesConstraint(min_lines=2, progressed=True), view)
    assert two.holds is True and "progression recorded" in two.reason
    assert prior_lines(PriorLinesConstraint(max_lines=1), view).holds is False
    no_status = _view(*FOLFOX)
    assert prior_lines(PriorLinesConstraint(min_lines=1, progressed=True), no_status).holds is None


def test_a_corticosteroid_is_of_no_narrower_anticancer_class() -> None:
    """Dexamethasone for brain-metastasis oedema has no code and a cancer reason; it is still
    not a KRAS inhibitor, a CDK4/6 inhibitor or endocrine therapy (drugs.py lists it)."""
    dexamethasone = _med("Dexamethasone", "2025-02-12", "2025-03-18",
                         reason="Secondary malignant neoplasm of brain")  # fmt: skip
    view = _view(dexamethasone)
    for text in ("Prior treatment with a KRAS G12C inhibitor", "Prior CDK4/6 inhibitor",
                 "Prior endocrine therapy"):  # fmt: skip
        (constraint,) = _therapy(text)
        assert member(constraint, dexamethasone) is False, text
        assert prior_therapy(constraint, view).holds is False, text
    # a broad class stays open: dexamethasone is an anticancer drug in myeloma regimens
    (broad,) = _therapy("Prior systemic anticancer therapy")
    assert member(broad, dexamethasone) is None
