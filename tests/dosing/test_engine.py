# SPDX-License-Identifier: Apache-2.0
"""The rule tables row by row, as the facts doc §2 writes them (expected values typed from the
doc, /work/shared/docs/clinical-and-regulatory-facts.md, never from our own output)."""

from __future__ import annotations

import pytest

from oncoboard.dosing.engine import DRUGS, ProposalInput, drug_rules, drug_terms, propose
from oncoboard.dosing.schemas import DoseAction
from oncoboard.errors import InputError

HFS = "Palmar-plantar erythrodysesthesia syndrome"
QTC = "Electrocardiogram QT corrected interval prolonged"
ALT = "Alanine aminotransferase increased"
C, H, D = DoseAction.CONTINUE, DoseAction.HOLD, DoseAction.DISCONTINUE


def ask(drug: str, ind: str | None, level: int, ae: str, grade: int, prior: int = 0,
        source: str = "clinician"):  # type: ignore[no-untyped-def]  # fmt: skip
    return propose(ProposalInput(drug, ind, level, ae, grade, source, prior))  # type: ignore[arg-type]


# §2.1 capecitabine Table 2 (any AE incl. diarrhoea and HFS): grade, occurrence → action, % of
# the 1250 mg/m² starting dose (100% = 1250, 75% = 950 as the label's renal section states,
# 50% = 625 arithmetic).
CAPECITABINE = [
    (1, 1, C, None, None),
    (1, 3, C, None, None),
    (2, 1, H, 1, "1250 mg/m²"),
    (2, 2, H, 1, "950 mg/m²"),
    (2, 3, H, 1, "625 mg/m²"),
    (2, 4, D, None, None),
    (3, 1, H, 1, "950 mg/m²"),
    (3, 2, H, 1, "625 mg/m²"),
    (3, 3, D, None, None),
    (4, 1, D, None, None),
]


# CTCAE v5.0 PPE has grades 1-3 only (§1.3): HFS grade 4 is refused (test_out_of_table_inputs)
CAPECITABINE_CASES = [
    (ae, *row)
    for ae in (HFS, "Diarrhea", "Mucositis oral")
    for row in CAPECITABINE
    if not (ae == HFS and row[0] == 4)
]


@pytest.mark.parametrize(
    ("ae", "grade", "occurrence", "action", "until", "dose"), CAPECITABINE_CASES
)
def test_capecitabine_table_2(ae, grade, occurrence, action, until, dose) -> None:  # type: ignore[no-untyped-def]
    got = ask("capecitabine", "1250", 0, ae, grade, prior=occurrence - 1)
    assert (got.action, got.hold_until_grade, got.occurrence) == (action, until, occurrence)
    assert (got.next_dose or "").startswith(dose or "")
    assert got.next_dose is None if dose is None else True
    assert "Table 2" in got.citation and "S17" in got.sources


def test_capecitabine_grade_4_alternative_is_hold_then_50_percent() -> None:
    # §2.1: G4 1st — discontinue, or if in the patient's best interest hold until 0-1 → 50%
    got = ask("capecitabine", "1250", 0, "Diarrhea", 4)
    assert got.action == D
    assert any("50%" in a and "grade 0-1" in a for a in got.alternatives)


def test_capecitabine_never_re_escalates() -> None:
    # §2.1 general rules: once reduced, never re-escalate — a 1st G2 (100%) at 75% stays at 75%
    got = ask("capecitabine", "1250", -1, HFS, 2)
    assert (got.action, got.next_level, got.next_dose) == (H, -1, "950 mg/m² twice daily (75%)")


def test_capecitabine_1000_levels_are_flagged_unconfirmed() -> None:
    # §2.1 dose levels: 1000 → 750 → 500 is "arithmetic, unconfirmed"
    got = ask("capecitabine", "1000", 0, HFS, 3)
    assert got.next_dose == "750 mg/m² twice daily (75%)"
    assert any("unconfirmed" in text for text in got.limitations)


# §2.2 osimertinib: 80 mg → 40 mg (level -1)
OSIMERTINIB = [
    ("Pneumonitis", 2, D, None, None),  # ILD/pneumonitis confirmed → permanently discontinue
    (QTC, 3, H, 1, "40 mg once daily"),  # QTc >500 ms on ≥2 ECGs → hold until <481 ms, 40 mg
    (QTC, 4, D, None, None),  # with signs of life-threatening arrhythmia → discontinue
    ("Heart failure", 3, D, None, None),  # symptomatic CHF → discontinue
    ("Ejection fraction decreased", 2, H, None, "80 mg once daily"),  # hold ≤4 weeks (memory)
    ("Nausea", 3, H, 2, "80 mg once daily"),  # other AE G≥3 → hold ≤3 weeks until 0-2
    ("Nausea", 2, C, None, None),  # other AE below grade 3: no modification
]


@pytest.mark.parametrize(("ae", "grade", "action", "until", "dose"), OSIMERTINIB)
def test_osimertinib_rows(ae, grade, action, until, dose) -> None:  # type: ignore[no-untyped-def]
    got = ask("osimertinib", None, 0, ae, grade)
    assert (got.action, got.hold_until_grade, got.next_dose) == (action, until, dose)
    assert got.sources == ("S19",)


def test_osimertinib_other_ae_offers_40_mg_and_discontinue_after_3_weeks() -> None:
    got = ask("osimertinib", None, 0, "Diarrhea", 3)
    assert got.max_hold == "3 weeks"
    assert any("40 mg" in a for a in got.alternatives)
    assert any("3 weeks" in a and "discontinue" in a for a in got.alternatives)


def test_osimertinib_unconfirmed_lvef_row_says_so() -> None:
    got = ask("osimertinib", None, 0, "Ejection fraction decreased", 3)
    assert got.verification == "from_memory" and got.max_hold == "4 weeks"


# §2.3 cabozantinib monotherapy 60 → 40 → 20 mg; G3-4 → hold until ≤G1, resume 20 mg lower
@pytest.mark.parametrize(
    ("level", "ae", "grade", "action", "dose"),
    [
        (0, "Fatigue", 3, H, "40 mg once daily"),
        (-1, "Fatigue", 3, H, "20 mg once daily"),
        (-2, "Fatigue", 3, H, "20 mg once daily"),  # at 20 mg: resume 20 mg if tolerated
        (0, "Diarrhea", 3, H, "40 mg once daily"),
        (0, HFS, 2, C, None),  # tolerable G2; intolerable is the alternative
        (0, "Hypertension", 3, H, "40 mg once daily"),  # inadequately controlled
        (0, "Hypertension", 4, D, None),  # G4 / hypertensive crisis
        (0, "Nephrotic syndrome", 3, D, None),
        (0, "Reversible posterior leukoencephalopathy syndrome", 2, D, None),
        (0, "Osteonecrosis of jaw", 1, H, "40 mg once daily"),  # until complete resolution
    ],
)
def test_cabozantinib_rows(level, ae, grade, action, dose) -> None:  # type: ignore[no-untyped-def]
    got = ask("cabozantinib", "monotherapy", level, ae, grade)
    assert (got.action, got.next_dose) == (action, dose)


def test_cabozantinib_at_20_mg_lists_discontinue() -> None:
    # §2.3: at 20 mg, resume at 20 mg if tolerated, otherwise discontinue
    got = ask("cabozantinib", "monotherapy", -2, "Diarrhea", 3)
    assert got.next_dose == "20 mg once daily"
    assert any("otherwise discontinue" in a for a in got.alternatives)
    assert ask("cabozantinib", "monotherapy", 0, "Osteonecrosis of jaw", 2).hold_until_grade == 0


def test_cabozantinib_grade_4_other_is_withheld_without_automatic_resume() -> None:
    # §2.3 "any AR grade 3-4: hold until baseline or grade 1, resume 20 mg lower"; a grade 4
    # (life-threatening) event is never answered with a resume from the general row
    # (clinical-safety invariant 1): withhold, the reduced dose is an alternative
    got = ask("cabozantinib", "monotherapy", 0, "Diarrhea", 4)
    assert (got.action, got.hold_until_grade, got.next_level) == (H, 1, None)
    assert "no automatic resume" in got.statement
    assert any("reduced by 20 mg" in a for a in got.alternatives)
    assert any(a == "permanently discontinue" for a in got.alternatives)


def test_cabozantinib_with_nivolumab_starts_at_40() -> None:
    got = ask("cabozantinib", "with-nivolumab", 0, "Fatigue", 3)
    assert (got.current_dose, got.next_dose) == ("40 mg once daily", "20 mg once daily")


# §2.4 sunitinib: GIST/advanced RCC 50 → 37.5 → 25; adjuvant RCC 50 → 37.5; pNET 37.5 → 25
@pytest.mark.parametrize(
    ("indication", "level", "ae", "grade", "prior", "action", "dose"),
    [
        ("gist", 0, ALT, 3, 0, H, "37.5 mg once daily (schedule 4/2)"),
        ("advanced-rcc", -1, ALT, 3, 0, H, "25 mg once daily (schedule 4/2)"),
        ("gist", -1, ALT, 3, 1, D, None),  # recurrent grade 3 hepatotoxicity
        ("gist", 0, ALT, 4, 0, D, None),
        ("pnet", 0, ALT, 3, 0, H, "25 mg once daily (continuous)"),
        ("gist", 0, "Heart failure", 3, 0, D, None),  # clinically manifest CHF
        ("gist", 0, "Thrombotic thrombocytopenic purpura", 3, 0, D, None),
        ("gist", 0, "Proteinuria", 3, 0, H, "37.5 mg once daily (schedule 4/2)"),  # ≥3 g/24 h
        ("gist", -1, "Proteinuria", 3, 1, D, None),  # recurrent despite reduction
        ("gist", 0, "Nephrotic syndrome", 3, 0, D, None),
        ("gist", 0, "Stevens-Johnson syndrome", 3, 0, D, None),
    ],
)
def test_sunitinib_rows(indication, level, ae, grade, prior, action, dose) -> None:  # type: ignore[no-untyped-def]
    got = ask("sunitinib", indication, level, ae, grade, prior=prior)
    assert (got.action, got.next_dose) == (action, dose)
    assert got.hold_until_grade == (1 if ae == ALT and action == H else None)


@pytest.mark.parametrize(
    ("indication", "dose"),
    [
        ("adjuvant-rcc", "37.5 mg once daily (schedule 4/2)"),
        ("pnet", "25 mg once daily (continuous)"),
    ],
)
def test_sunitinib_no_second_reduction(indication: str, dose: str) -> None:
    # §2.4: adjuvant RCC and pNET have no 2nd reduction; the label withholds and reduces for a
    # 1st grade 3 hepatotoxicity and does not say to discontinue at the lowest level: withhold,
    # resume at the lowest dose, and the note leaves discontinuation to the clinician
    got = ask("sunitinib", indication, -1, ALT, 3)
    assert (got.action, got.next_dose) == (H, dose)
    assert any("no further reduction" in a and "discontinue" in a for a in got.alternatives)


@pytest.mark.parametrize("ae", ["Hypertension", "Ejection fraction decreased"])
def test_sunitinib_unconfirmed_rows_are_flagged(ae: str) -> None:
    # §2.4 / §6 item 4: hypertension and cardiomyopathy actions unconfirmed
    got = ask("sunitinib", "gist", 0, ae, 3)
    assert got.verification == "unconfirmed"
    assert any("needs clinical verification" in text for text in got.limitations)


def test_occurrences_walk_down_the_levels_then_discontinue() -> None:
    """Capecitabine G3 HFS: 1st → level -1, 2nd → level -2, 3rd → discontinue (§2.1)."""
    answers = [ask("capecitabine", "1250", lvl, HFS, 3, prior=n) for n, lvl in
               enumerate([0, -1, -2])]  # fmt: skip
    assert [(a.occurrence, a.action, a.next_level) for a in answers] == [
        (1, H, -1), (2, H, -2), (3, D, None)]  # fmt: skip


def test_pro_derived_grade_is_labelled_and_limited() -> None:
    got = ask("capecitabine", "1250", 0, HFS, 3, source="patient_reported")
    assert "(patient-reported)" in got.statement
    assert got.limitations[0].startswith("The grade is patient-reported")
    clinician = ask("capecitabine", "1250", 0, HFS, 3)
    assert "patient-reported" not in clinician.statement + " ".join(clinician.limitations)


@pytest.mark.parametrize(
    ("drug", "ae", "grade", "field", "match"),
    [
        ("aspirin", HFS, 3, "drug", "no dose-modification table for 'aspirin'.*capecitabine"),
        ("capecitabine", HFS, 5, "grade", "grade 5 is death"),
        ("capecitabine", "Diarrhea", 0, "grade", "no grade 0"),
        ("capecitabine", HFS, 4, "grade", "has no grade 4.*allowed: 1, 2, 3"),
        ("capecitabine", "sore toe thing", 2, "ae", "'sore toe thing' is not a CTCAE v5.0 term"),
    ],
)
def test_out_of_table_inputs_are_clear_errors(drug, ae, grade, field, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=match) as error:
        ask(drug, None if drug != "capecitabine" else "1250", 0, ae, grade)
    assert error.value.problems[0].field == field


def test_unknown_indication_and_level_name_allowed_values() -> None:
    with pytest.raises(InputError, match="allowed: 1250, 1000"):
        ask("capecitabine", None, 0, HFS, 3)
    with pytest.raises(InputError, match=r"current_level; allowed: 0, -1\)"):
        ask("osimertinib", None, -2, "Nausea", 3)


def test_every_defined_grade_and_occurrence_has_a_row() -> None:
    """No gaps: each drug answers every term its rows name, at every CTCAE grade 1-4 the term
    has, occurrences 1-5, from one of its rows (never the no-row answer)."""
    for drug in DRUGS:
        table = drug_rules(drug)
        for indication in table.indications:
            for term in drug_terms(table):
                for grade in (1, 2, 3, 4):
                    for prior in range(5):
                        try:
                            got = ask(drug, indication.id, 0, term, grade, prior=prior)
                        except InputError as error:
                            assert "has no grade" in str(error), (drug, term, grade, error)
                            continue
                        if table.has_catch_all or got.rule_id != f"{drug}-no-row":
                            continue
                        # sunitinib: a named term at a grade its rows skip is clinical judgement
                        assert got.action == DoseAction.CLINICAL_JUDGEMENT, (term, grade)
