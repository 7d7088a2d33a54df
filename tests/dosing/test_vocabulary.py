# SPDX-License-Identifier: Apache-2.0
"""The shipped CTCAE subset agrees with the NCI term list on disk (term, MedDRA code, grades)."""

from __future__ import annotations

import csv

import pytest

from oncoboard.dosing.engine import DRUGS, drug_rules, vocabulary
from tests.support import shared_file

pytestmark = pytest.mark.shared


def test_every_shipped_term_matches_ctcae_v5() -> None:
    path = shared_file("ctcae", "ctcae_v5.0_terms.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = {row["ctcae_term"]: row for row in csv.DictReader(handle)}
    assert len(rows) == 837  # SOURCE.md: all 837 terms
    for term in vocabulary().terms:
        row = rows[term.ctcae_term]
        assert row["meddra_code"] == term.meddra_code, term.ctcae_term
        defined = tuple(g for g in range(1, 6) if row[f"grade_{g}"].strip())
        assert defined == term.grades, term.ctcae_term
    # facts doc §1.3: PPE has grades 1-3 only; QTc 1-4 (no grade 5); pneumonitis 1-5
    by_name = {t.ctcae_term: t for t in vocabulary().terms}
    assert by_name["Palmar-plantar erythrodysesthesia syndrome"].grades == (1, 2, 3)
    assert by_name["Electrocardiogram QT corrected interval prolonged"].grades == (1, 2, 3, 4)


def test_every_rule_names_only_shipped_terms() -> None:
    known = {t.ctcae_term for t in vocabulary().terms}
    for drug in DRUGS:
        table = drug_rules(drug)
        assert table.named_terms() <= known, drug
        for terms in table.ae_groups.values():
            assert set(terms) <= known, drug
