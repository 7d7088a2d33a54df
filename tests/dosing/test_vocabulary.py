# SPDX-License-Identifier: Apache-2.0
"""The shipped vocabulary is NCI's CTCAE v5.0 list on disk (term, MedDRA code, grades), every
term resolves by name, code or synonym, and every one gets a dose answer on every drug."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from oncoboard.dosing.engine import DRUGS, ProposalInput, ae_classes, drug_rules, propose
from oncoboard.dosing.schemas import DoseAction
from oncoboard.dosing.vocabulary import ambiguous_aliases, find_term, normalise, vocabulary
from oncoboard.errors import InputError
from tests.support import shared_file


def _ctcae_rows() -> dict[str, dict[str, str]]:
    path: Path = shared_file("ctcae", "ctcae_v5.0_terms.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["ctcae_term"]: row for row in csv.DictReader(handle)}


@pytest.mark.shared
def test_every_ctcae_v5_term_is_shipped_with_its_code_soc_and_grades() -> None:
    rows = _ctcae_rows()
    assert len(rows) == 837  # SOURCE.md: all 837 terms
    shipped = {t.ctcae_term: t for t in vocabulary().terms if t.kind == "ctcae"}
    assert set(shipped) == set(rows)
    for name, row in rows.items():
        term = shipped[name]
        defined = tuple(g for g in range(1, 6) if row[f"grade_{g}"].strip())
        assert (term.meddra_code, term.soc, term.grades) == (
            row["meddra_code"], row["meddra_soc"], defined), name  # fmt: skip
    # facts doc §1.3: PPE has grades 1-3 only; QTc 1-4 (no grade 5); pneumonitis 1-5
    assert shipped["Palmar-plantar erythrodysesthesia syndrome"].grades == (1, 2, 3)
    assert shipped["Electrocardiogram QT corrected interval prolonged"].grades == (1, 2, 3, 4)


@pytest.mark.shared
def test_every_ctcae_term_and_code_resolves_to_itself() -> None:
    for name, row in _ctcae_rows().items():
        assert find_term(name).ctcae_term == name
        assert find_term(row["meddra_code"]).ctcae_term == name
        assert find_term(name.upper().replace("-", " ")).ctcae_term == name


@pytest.mark.parametrize(
    ("typed", "term"),
    [
        ("hand-foot syndrome", "Palmar-plantar erythrodysesthesia syndrome"),
        ("HFS", "Palmar-plantar erythrodysesthesia syndrome"),
        ("diarrhoea", "Diarrhea"),
        ("Haemorrhage", "Hemorrhage"),
        ("upper GI bleed", "Upper gastrointestinal hemorrhage"),
        ("oesophageal haemorrhage", "Esophageal hemorrhage"),
        ("anaemia", "Anemia"),
        ("ILD", "Pneumonitis"),
        ("QTc prolongation", "Electrocardiogram QT corrected interval prolonged"),
        ("stevens johnson syndrome", "Stevens-Johnson syndrome"),
        ("SJS", "Stevens-Johnson syndrome"),
        ("TEN", "Toxic epidermal necrolysis"),
        ("DRESS", "Drug reaction with eosinophilia and systemic symptoms"),
        ("EM major", "Erythema multiforme major"),
        ("heart attack", "Myocardial infarction"),
        ("cerebral infarction", "Stroke"),
        ("GI perforation", "Gastrointestinal perforation"),
        ("hypertensive crisis", "Hypertensive crisis"),
        ("necrotising fasciitis", "Necrotizing fasciitis"),
        ("10042033", "Stevens-Johnson syndrome"),
        ("neutropenia", "Neutrophil count decreased"),
    ],
)
def test_synonyms_abbreviations_spellings_and_codes(typed: str, term: str) -> None:
    assert find_term(typed).ctcae_term == term


def test_no_synonym_names_two_terms_and_label_events_are_marked() -> None:
    assert ambiguous_aliases() == []
    dress = find_term("DRESS")
    assert dress.kind == "label_event" and dress.meddra_code is None and dress.note
    assert find_term("Diarrhea").kind == "ctcae"
    assert normalise(" Stevens–Johnson ") != ""  # an en dash is kept, not a crash


def test_text_that_is_no_term_is_refused_with_the_closest_terms() -> None:
    with pytest.raises(InputError, match=r"closest: Palmar-plantar erythrodysesthesia syndrome"):
        find_term("hand foot syndrom")
    with pytest.raises(
        InputError, match=r"not a CTCAE v5\.0 term, MedDRA code or known synonym"
    ) as e:
        find_term("xyzzy")
    assert e.value.problems[0].field == "ae"


def test_every_class_member_and_rule_term_is_in_the_vocabulary() -> None:
    known = {t.ctcae_term for t in vocabulary().terms}
    for name, terms in ae_classes().items():
        assert set(terms) <= known, name
    for drug in DRUGS:
        table = drug_rules(drug)
        assert table.named_terms() <= known, drug
        for terms in table.ae_groups.values():
            assert set(terms) <= known, drug


@pytest.mark.shared
@pytest.mark.parametrize("drug", DRUGS)
def test_every_ctcae_term_at_every_defined_grade_gets_an_answer(drug: str) -> None:
    """Invariant 2: a known term never gets "unknown term" or a traceback — a table row, or
    "no label dose-modification row …: clinical judgement" with the label's general rule."""
    table = drug_rules(drug)
    indication = table.indications[0].id
    for name, row in _ctcae_rows().items():
        for grade in (1, 2, 3, 4):
            if not row[f"grade_{grade}"].strip():
                with pytest.raises(InputError, match=f"has no grade {grade}"):
                    propose(ProposalInput(drug, indication, 0, name, grade, "clinician", 0))
                continue
            got = propose(ProposalInput(drug, indication, 0, name, grade, "clinician", 0))
            assert got.statement and got.citation, (drug, name, grade)
            if got.action == DoseAction.CLINICAL_JUDGEMENT:
                assert f"no label dose-modification row for {name} on {drug}" in got.statement
                assert "the label's general rule is" in got.statement
