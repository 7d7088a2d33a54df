# SPDX-License-Identifier: Apache-2.0
"""Every "permanently discontinue" condition per drug (docs/dosing.md lists the same table) and
clinical-safety invariant 1: a severe event never falls through to a general row that resumes.

Expected actions are typed from the sources each row cites (facts doc §2, the label pages and
safety communications named in rules/*.json), never read back from our own output."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncoboard.dosing.engine import DRUGS, ProposalInput, ae_classes, drug_rules, propose
from oncoboard.dosing.schemas import DoseAction, DoseProposal
from oncoboard.dosing.vocabulary import vocabulary

D = DoseAction.DISCONTINUE
DOCS = Path(__file__).resolve().parents[2] / "docs" / "dosing.md"
LEVEL0 = {"capecitabine": "1250", "osimertinib": "nsclc", "cabozantinib": "monotherapy",
          "sunitinib": "gist"}  # fmt: skip


def ask(drug: str, ae: str, grade: int, prior: int = 0, level: int = 0) -> DoseProposal:
    return propose(ProposalInput(drug, LEVEL0[drug], level, ae, grade, "clinician", prior))


# (drug, adverse event as a clinician types it, grade, prior occurrences, rule that answers)
PERMANENTLY_DISCONTINUE = [
    # capecitabine: severe skin reactions (MHRA DSU Jan 2014; Health Canada 2013); Table 2
    ("capecitabine", "Stevens-Johnson syndrome", 3, 0, "cape-scar"),
    ("capecitabine", "TEN", 4, 0, "cape-scar"),
    ("capecitabine", "DRESS", 2, 0, "cape-scar"),
    ("capecitabine", "erythema multiforme major", 3, 0, "cape-scar"),
    ("capecitabine", "Erythema multiforme", 3, 0, "cape-em-g3-4"),
    ("capecitabine", "Pneumonitis", 4, 0, "cape-g4-1st"),  # any toxicity grade 4, 1st
    ("capecitabine", "Diarrhea", 4, 1, "cape-g4-later"),
    ("capecitabine", "hand-foot syndrome", 3, 2, "cape-g3-3rd"),  # 3rd appearance
    ("capecitabine", "hand-foot syndrome", 2, 3, "cape-g2-4th"),  # 4th appearance
    # osimertinib (facts §2.2; EU SmPC via MIMS; US PI §5.5)
    ("osimertinib", "ILD", 1, 0, "osi-ild"),
    ("osimertinib", "QTc prolongation", 4, 0, "osi-qtc-g4"),
    ("osimertinib", "congestive heart failure", 2, 0, "osi-chf"),
    ("osimertinib", "SJS", 3, 0, "osi-sjs-ten"),
    ("osimertinib", "Toxic epidermal necrolysis", 4, 0, "osi-sjs-ten"),
    ("osimertinib", "EM major", 2, 0, "osi-em-major"),
    ("osimertinib", "Erythema multiforme", 3, 0, "osi-em-g3-4"),
    ("osimertinib", "DRESS", 3, 0, "osi-dress-scar"),
    ("osimertinib", "aplastic anaemia", 4, 0, "osi-aplastic-anemia"),
    # cabozantinib (facts §2.3 [S20]; PMC6323107 [S20b]; label highlights [S20c])
    ("cabozantinib", "TEN", 4, 0, "cabo-scar"),
    ("cabozantinib", "SJS", 3, 0, "cabo-scar"),
    ("cabozantinib", "DRESS", 3, 0, "cabo-scar"),
    ("cabozantinib", "Erythema multiforme", 3, 0, "cabo-em-g3-4"),
    ("cabozantinib", "Upper gastrointestinal hemorrhage", 3, 0, "cabo-haemorrhage-g3-4"),
    ("cabozantinib", "haemorrhage", 4, 0, "cabo-haemorrhage-g3-4"),
    ("cabozantinib", "Intracranial hemorrhage", 3, 0, "cabo-haemorrhage-g3-4"),
    ("cabozantinib", "Colonic perforation", 2, 0, "cabo-gi-perforation"),
    ("cabozantinib", "GI perforation", 1, 0, "cabo-gi-perforation"),
    ("cabozantinib", "Enterovesical fistula", 4, 0, "cabo-fistula-g4"),
    ("cabozantinib", "Myocardial infarction", 2, 0, "cabo-myocardial-infarction"),
    ("cabozantinib", "stroke", 2, 0, "cabo-stroke-g2-4"),
    ("cabozantinib", "Arterial thromboembolism", 3, 0, "cabo-ate-g3-4"),
    ("cabozantinib", "pulmonary embolism", 4, 0, "cabo-vte-g4"),
    ("cabozantinib", "hypertensive crisis", 3, 0, "cabo-hypertensive-crisis"),
    ("cabozantinib", "Hypertension", 4, 0, "cabo-htn-g4"),
    ("cabozantinib", "Nephrotic syndrome", 3, 0, "cabo-nephrotic"),
    ("cabozantinib", "RPLS", 2, 0, "cabo-rpls"),
    # sunitinib (facts §2.4 [S21]; US PI §2.4 Table 2 [S21b]; §5.1 [S21c])
    ("sunitinib", "Stevens-Johnson syndrome", 3, 0, "suni-skin"),
    ("sunitinib", "Erythema multiforme", 1, 0, "suni-skin"),
    ("sunitinib", "necrotizing fasciitis", 3, 0, "suni-skin"),
    ("sunitinib", "DRESS", 2, 0, "suni-dress-scar"),
    ("sunitinib", "liver failure", 3, 0, "suni-hepatic-failure"),
    ("sunitinib", "ALT increased", 4, 0, "suni-hep-g4"),
    ("sunitinib", "Blood bilirubin increased", 3, 1, "suni-hep-g3-recurrent"),
    ("sunitinib", "Heart failure", 3, 0, "suni-chf"),
    ("sunitinib", "Hypertension", 4, 0, "suni-htn-g4"),
    ("sunitinib", "hypertensive crisis", 4, 0, "suni-hypertensive-crisis"),
    ("sunitinib", "TMA", 2, 0, "suni-tma"),
    ("sunitinib", "Hemolytic uremic syndrome", 3, 0, "suni-tma"),
    ("sunitinib", "Proteinuria", 3, 1, "suni-proteinuria-recurrent"),
    ("sunitinib", "Nephrotic syndrome", 4, 0, "suni-nephrotic"),
]


@pytest.mark.parametrize(("drug", "ae", "grade", "prior", "rule"), PERMANENTLY_DISCONTINUE)
def test_permanently_discontinue(drug: str, ae: str, grade: int, prior: int, rule: str) -> None:
    got = ask(drug, ae, grade, prior)
    assert (got.action, got.rule_id, got.next_level) == (D, rule, None)
    assert f"discontinue {drug} permanently" in got.statement


def test_the_docs_table_lists_every_discontinue_row() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for drug in DRUGS:
        for row in drug_rules(drug).rules:
            assert f"`{row.id}`" in text, f"docs/dosing.md does not list {row.id}"
    for _, _, _, _, rule in PERMANENTLY_DISCONTINUE:
        assert f"`{rule}`" in text.split("## Permanently discontinue")[1]


SEVERE = [*ae_classes()["scar"], "Erythema multiforme major"]


@pytest.mark.parametrize("drug", DRUGS)
def test_severe_cutaneous_reactions_never_resume(drug: str) -> None:
    """Invariant 1 (issue #14 item 1): SJS/TEN/DRESS/EM major have an explicit row on every
    drug that discontinues — never the general "any adverse event" row."""
    for term in SEVERE:
        grades = next(t.grades for t in vocabulary().terms if t.ctcae_term == term)
        for grade in (g for g in grades if g <= 4):
            got = ask(drug, term, grade)
            assert got.action == D, (drug, term, grade, got.rule_id)
            assert not any(r.ae == "any" for r in drug_rules(drug).rules if r.id == got.rule_id)


@pytest.mark.parametrize("drug", DRUGS)
def test_no_grade_4_event_is_answered_with_an_automatic_resume(drug: str) -> None:
    """Every grade-4 answer from a general row discontinues or withholds with no resume level;
    no grade 4 is ever "continue"."""
    general = {r.id for r in drug_rules(drug).rules if r.ae == "any"}
    for term in vocabulary().terms:
        if 4 not in term.grades:
            continue
        for level in (0, -1):
            got = ask(drug, term.ctcae_term, 4, level=level)
            assert got.action != DoseAction.CONTINUE, (drug, term.ctcae_term)
            if got.rule_id in general:
                assert got.next_level is None, (drug, term.ctcae_term, got.rule_id)


@pytest.mark.parametrize(
    ("drug", "ae", "grade", "rule"),
    [
        ("osimertinib", "SJS", 3, "osi-sjs-ten"),  # issue #14: was "resume at 80 mg"
        ("osimertinib", "TEN", 4, "osi-sjs-ten"),
        ("cabozantinib", "TEN", 4, "cabo-scar"),  # issue #14: was "resume at 40 mg"
    ],
)
def test_issue_14_cases_now_discontinue(drug: str, ae: str, grade: int, rule: str) -> None:
    got = ask(drug, ae, grade)
    assert (got.action, got.rule_id) == (D, rule)
    assert "resume" not in got.statement


def test_suspected_scar_is_withheld_in_the_alternative() -> None:
    # labels: withhold if suspected, permanently discontinue if confirmed (EU SmPC, S19)
    got = ask("osimertinib", "SJS", 3)
    assert got.condition == "SJS or TEN confirmed (diagnosed)"
    assert any("suspected" in a and "withhold" in a for a in got.alternatives)
