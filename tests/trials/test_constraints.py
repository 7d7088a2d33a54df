# SPDX-License-Identifier: Apache-2.0
"""Criteria → constraints on the real CT.gov records (facts read from the text by grep)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oncoboard.errors import InputError
from oncoboard.trials import labs
from oncoboard.trials.registry import parse_age, read_studies
from oncoboard.trials.schemas import (
    AgeConstraint,
    EcogConstraint,
    GeneAlterationConstraint,
    LabConstraint,
    PriorLinesConstraint,
    PriorTherapyConstraint,
    StageConstraint,
)
from tests.support import shared_file
from tests.trials.support import SEARCH_PAGE, criteria_of, real_trials

pytestmark = pytest.mark.shared


def _types(criterion: object) -> list[str]:
    return [s.constraint.type for s in criterion.constraints]  # type: ignore[attr-defined]


def test_all_eleven_real_studies_are_read_with_their_age_bounds() -> None:
    trials = real_trials()
    assert len(trials) == 11
    # grep -o '"maximumAge": "72 Years"' v2_studies_search_kras_PancrePal.json (NCT03745326)
    assert trials["NCT03745326"].eligibility.minimum_age_years == 18.0
    assert trials["NCT03745326"].eligibility.maximum_age_years == 72.0
    # NCT02513394 has "minimumAge": "18 Years" and no maximumAge: no upper bound
    assert trials["NCT02513394"].eligibility.maximum_age_years is None
    # version = statusModule.lastUpdateSubmitDate ("2023-06-13" in NCT02513394.json)
    assert trials["NCT02513394"].version == "2023-06-13"


def test_kras_g12c_requirement_and_ecog_of_nct05288205() -> None:
    c = criteria_of("NCT05288205")
    # grep -o 'solid tumors harboring KRAS p.G12C mutation who' v2_studies_search_kras_PancrePal.json
    gene = next(s.constraint for s in c["I2"].constraints if s.constraint.type == "gene_alteration")
    assert gene == GeneAlterationConstraint(
        gene="KRAS", alteration="mutation", protein_changes=("p.G12C",)
    )
    # "who have failed [or lack standard-of-care … or are unwilling …]": a prior line with
    # progression; the alternatives only widen it (a failing line is left for review)
    lines = [s.constraint for s in c["I2"].constraints if s.constraint.type == "prior_lines"]
    assert lines == [PriorLinesConstraint(min_lines=1, progressed=True)] and c["I2"].widened
    # grep -o 'Eastern Cooperative Oncology Group(ECOG) performance status 0-1' …
    assert [s.constraint for s in c["I5"].constraints] == [EcogConstraint(allowed=(0, 1))]
    assert not c["I5"].partial
    text = real_trials()["NCT05288205"].eligibility.criteria_text
    assert text[c["I5"].start : c["I5"].end].startswith("* Eastern Cooperative")


def test_text_age_bounds_of_nct03745326() -> None:
    # "6. Age greater than or equal to 18 years and less than or equal to 72 years."
    ages = [s.constraint for s in criteria_of("NCT03745326")["I12"].constraints]
    assert ages == [AgeConstraint(min_years=18), AgeConstraint(max_years=72)]


def test_exclusion_prior_kras_g12c_inhibitor_is_a_therapy_not_a_biomarker() -> None:
    # grep -o 'Previously received a KRAS G12C inhibitor' … (NCT06008288, exclusion 1)
    e1 = criteria_of("NCT06008288")["E1"]
    assert e1.section == "exclusion" and _types(e1) == ["prior_therapy"]
    therapy = e1.constraints[0].constraint
    assert isinstance(therapy, PriorTherapyConstraint) and "sotorasib" in therapy.drugs


def test_pallas_stage_exclusion_and_lab_units() -> None:
    c = criteria_of("NCT02513394")
    # grep -o 'Stage I or IV breast cancer are not eligible' NCT02513394.json
    # the stage is the breast cancer's stage: the item names the tumour type
    assert c["E3"].constraints[0].constraint == StageConstraint(
        stages=("I", "IV"), oncotree_codes=("BREAST",)
    )
    # grep -o 'Absolute neutrophil count ≥ 1,500/µL' → 1.5 × 10^9/L
    anc = c["I16"].constraints[0].constraint
    assert isinstance(anc, LabConstraint) and (anc.analyte, anc.op, anc.value, anc.unit) == (
        "anc",
        ">=",
        1.5,
        "10^9/L",
    )
    # grep -o 'Platelets ≥ 100,000/ mm3' → 100 × 10^9/L
    assert c["I17"].constraints[0].constraint.value == 100.0  # type: ignore[union-attr]


def test_haemoglobin_g_per_l_converts_and_an_impossible_g_per_dl_is_not_structured() -> None:
    # grep -o 'Hemoglobin≥90g/L' (NCT05438667) → 9.0 g/dL
    labs_found = [s.constraint for s in criteria_of("NCT05438667")["I10"].constraints]
    assert any(
        x.analyte == "hemoglobin" and x.value == 9.0 and x.unit == "g/dL" for x in labs_found
    )  # type: ignore[union-attr]
    # grep -o 'hemoglobin \\> 90 g/dL' (NCT06898385): 90 g/dL is not physiological
    found = [s.constraint for s in criteria_of("NCT06898385")["I9"].constraints]
    assert not any(getattr(x, "analyte", "") == "hemoglobin" for x in found)


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "expected"),
    [
        ("anc", 1500, "per_ul", (1.5, "10^9/L")),
        ("platelets", 80000, "per_ul", (80.0, "10^9/L")),
        ("anc", 1.5, "per_1e9_l", (1.5, "10^9/L")),
        ("hemoglobin", 90, "g_l", (9.0, "g/dL")),
        ("creatinine_clearance", 60, "ml_min", (60.0, "mL/min")),
        ("bilirubin", 1.5, "uln", (1.5, "x ULN")),
        ("creatinine", 88.4, "umol_l", (1.0, "mg/dL")),
        ("anc", 1.5, "g_dl", None),
    ],
)
def test_unit_conversions(analyte: str, value: float, unit: str, expected: object) -> None:
    assert labs.convert(analyte, value, unit) == expected


def test_recist_solid_tumours_and_cohort_items_are_conditional() -> None:
    c = criteria_of("NCT04956640")
    # "Response Evaluation Criteria in Solid Tumors" is RECIST, not a tumour type
    assert "cancer_type" not in _types(c["I1"])
    # "For some parts of the study, …" applies to one cohort: read, but conditional (the
    # engine only concludes what holds whichever cohort the patient joins)
    assert c["I9"].conditional and c["I9"].constraints
    assert not any(s.subject for s in c["I9"].constraints)
    # an informed-consent item is administrative: shown apart, never counted as undecided
    consent = criteria_of("NCT05288205")["I1"]
    assert consent.constraints == () and consent.category == "administrative"


def test_ages_in_months_and_na_mean_what_ctgov_says() -> None:
    assert parse_age("18 Months") == 1.5
    assert parse_age("6 Weeks") == pytest.approx(6 * 7 / 365.25, rel=1e-4)
    assert parse_age("N/A") is None and parse_age(None) is None
    with pytest.raises(ValueError):
        parse_age("eighteen")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"not json {", "not JSON"),
        (json.dumps({"studies": [{"derivedSection": {}}]}).encode(), "study 1: protocolSection"),
        (b"{}", "protocolSection"),
    ],
    ids=["not-json", "no-protocol-section", "empty-object"],
)
def test_bad_files_are_refused_with_a_location(tmp_path: Path, content: bytes, match: str) -> None:
    with pytest.raises(InputError, match=match):
        read_studies(content, "bad.json")


def test_an_unreadable_age_names_the_study_and_field() -> None:
    page = json.loads(shared_file(*SEARCH_PAGE).read_text())
    page["studies"][2]["protocolSection"]["eligibilityModule"]["minimumAge"] = "eighteen years"
    with pytest.raises(InputError) as error:
        read_studies(json.dumps(page).encode(), "page.json")
    (problem,) = error.value.problems
    assert (
        problem.locator == "study 3 (NCT06385925)"
        and problem.field == "eligibilityModule.minimumAge"
    )
    assert "0 of 10 studies imported" in str(error.value)
