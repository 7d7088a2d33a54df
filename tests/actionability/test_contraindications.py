# SPDX-License-Identifier: Apache-2.0
"""The whole tumour counts (clinical safety invariant 5): resistance and progression undo options."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from oncoboard.actionability.contraindications import agents, cautions, drug_classes, named_drugs
from oncoboard.actionability.engine import assess
from oncoboard.knowledge import rules as r
from oncoboard.knowledge.schemas import (
    Assertion,
    Disease,
    EvidenceClass,
    KbReleaseInfo,
    Reference,
    Therapy,
)
from oncoboard.record.schemas import Treatment
from tests.actionability.test_matching import fact, patient, variant

RELEASE = KbReleaseInfo(
    release_id="test@1", source="test", release="1", release_date=date(2026, 1, 1),
    sha256="0" * 64, licence="CC0-1.0", assertion_count=0, dropped_count=0,
    imported_at=datetime(2026, 1, 1, tzinfo=UTC),
)  # fmt: skip


def claim(
    ident: str, gene: str, change: str, therapy: str, direction: str = "sensitivity",
    evidence: EvidenceClass = EvidenceClass.REGULATORY_APPROVAL, code: str = "NSCLC",
) -> tuple[Assertion, KbReleaseInfo]:  # fmt: skip
    return (
        Assertion(
            assertion_id=f"test:{ident}",
            source="test",
            source_level="level",
            evidence_class=evidence,
            direction=direction,  # type: ignore[arg-type]
            rule=r.ProteinRule(gene=gene, protein_change=change),
            therapy=Therapy(name=therapy),
            disease=Disease(name=code, oncotree_code=code),
            references=(Reference(citation="PMID:1", pmid="1"),),
        ),
        RELEASE,
    )


L858R, T790M = variant("EGFR", "p.L858R"), variant("EGFR", "p.T790M")


def _lung(*facts: object) -> object:
    return dataclasses.replace(patient(*facts), tumor_types=("LUAD",))  # type: ignore[arg-type]


def test_resistance_from_another_alteration_moves_the_option_with_both_facts() -> None:
    kb = [
        claim("1", "EGFR", "p.L858R", "Erlotinib"),
        claim("2", "EGFR", "p.L858R", "Erlotinib + Ramucirumab"),
        claim("3", "EGFR", "p.T790M", "Erlotinib", "resistance", EvidenceClass.CLINICAL_STRONG),
        claim("4", "EGFR", "p.T790M", "Osimertinib"),
    ]
    result = assess(_lung(L858R, T790M), kb)  # type: ignore[arg-type]
    assert [f.assertion.therapy.name for f in result.options] == ["Osimertinib"]  # type: ignore[union-attr]
    moved = {c.option.assertion.assertion_id: c for c in result.contraindicated}
    assert set(moved) == {"test:1", "test:2"}
    assert moved["test:1"].resistance is not None and "p.T790M" in moved["test:1"].why
    # a weaker resistance (Tier II: preclinical) does not undo a Tier I option
    weak = [
        kb[0],
        claim("5", "EGFR", "p.T790M", "Erlotinib", "resistance", EvidenceClass.PRECLINICAL),
    ]
    assert [f.assertion.assertion_id for f in assess(_lung(L858R, T790M), weak).options] == [
        "test:1"
    ]  # type: ignore[arg-type]


def test_a_combination_built_for_the_resisting_alteration_stands() -> None:
    """BRAF V600E colorectal: resistance to an anti-EGFR part, the combination still approved."""
    kb = [
        claim("6", "BRAF", "p.V600E", "Cetuximab + Encorafenib", code="COADREAD"),
        claim(
            "7", "BRAF", "p.V600E", "Cetuximab", "resistance", EvidenceClass.GUIDELINE, "COADREAD"
        ),
    ]
    crc = dataclasses.replace(patient(variant("BRAF", "p.V600E")), tumor_types=("COAD",))
    result = assess(crc, kb)
    assert [f.assertion.assertion_id for f in result.options] == ["test:6"]
    assert not result.contraindicated


def test_documented_progression_moves_every_option_with_the_drug() -> None:
    progressed = fact(
        Treatment(category="medication", name="Osimertinib", status="stopped: Progressive Disease")
    )
    toxicity = fact(
        Treatment(category="medication", name="Osimertinib", status="stopped: Adverse Event")
    )
    kb = [
        claim("4", "EGFR", "p.T790M", "Osimertinib"),
        claim("8", "EGFR", "p.T790M", "Carboplatin + Osimertinib"),
    ]
    base = _lung(T790M)
    moved = assess(dataclasses.replace(base, treatments=(progressed,)), kb)  # type: ignore[type-var]
    assert not moved.options and len(moved.contraindicated) == 2
    assert all(c.treatment == progressed for c in moved.contraindicated)
    assert "documented progression on osimertinib" in moved.contraindicated[0].why
    kept = assess(dataclasses.replace(base, treatments=(toxicity,)), kb)  # type: ignore[type-var]
    assert len(kept.options) == 2 and not kept.contraindicated


def test_agents_are_compared_as_sets() -> None:
    assert agents("Encorafenib + Cetuximab") == agents("cetuximab + encorafenib")
    assert agents("Gefitinib then Multikinase Inhibitor AEE788") == {
        "gefitinib",
        "multikinase inhibitor aee788",
    }


def _class_claim(
    ident: str, gene: str, change: str, name: str, strategy: str, evidence: EvidenceClass
) -> tuple[Assertion, KbReleaseInfo]:
    """Resistance stated for a drug class, as CGI 2017 states it ("EGFR inhibitor 1st gens")."""
    assertion, release = claim(ident, gene, change, name, "resistance", evidence)
    therapy = Therapy(name=name, strategy=strategy, therapy_type="drug class")
    return assertion.model_copy(update={"therapy": therapy}), release


def _drug(
    ident: str, therapy: str, strategy: str, change: str = "p.L858R"
) -> tuple[Assertion, KbReleaseInfo]:
    assertion, release = claim(ident, "EGFR", change, therapy)
    return assertion.model_copy(
        update={"therapy": Therapy(name=therapy, strategy=strategy)}
    ), release


def test_class_resistance_reaches_the_drugs_the_release_puts_in_that_class() -> None:
    """MET amplification with resistance to "EGFR inhibitor 1st gens" (CGI) undoes erlotinib at
    the same tier and is a caution beside it at a weaker one; afatinib (2nd gen) is untouched."""
    kb = [
        _drug("1", "Erlotinib", "EGFR inhibitor 1st gen"),
        _drug("2", "Afatinib", "ERBB2 inhibitor&EGFR inhibitor 2nd gen"),
        _class_claim(
            "3", "EGFR", "p.T790M", "EGFR inhibitor 1st gens", "EGFR inhibitor 1st gen",
            EvidenceClass.CLINICAL_STRONG,
        ),
    ]  # fmt: skip
    result = assess(_lung(L858R, T790M), kb)  # type: ignore[arg-type]
    assert result.drug_classes["erlotinib"] == frozenset({"egfr inhibitor 1st gen"})
    assert result.drug_classes["afatinib"] == frozenset(
        {"erbb2 inhibitor", "egfr inhibitor 2nd gen"}
    )
    assert [f.assertion.assertion_id for f in result.options] == ["test:2"]
    (moved,) = result.contraindicated
    assert moved.option.assertion.assertion_id == "test:1"
    assert "EGFR inhibitor 1st gens" in moved.why

    weaker = [*kb[:2], _class_claim(
        "4", "EGFR", "p.T790M", "EGFR inhibitor 1st gens", "EGFR inhibitor 1st gen",
        EvidenceClass.PRECLINICAL,
    )]  # fmt: skip
    result = assess(_lung(L858R, T790M), weaker)  # type: ignore[arg-type]
    assert {f.assertion.assertion_id for f in result.options} == {"test:1", "test:2"}
    (caution,) = cautions(result.options, result.resistance, result.drug_classes)
    assert caution.option.assertion.assertion_id == "test:1"
    assert "EGFR inhibitor 1st gens" in caution.why and "review" in caution.why


def test_a_class_given_in_fewer_than_half_of_a_drugs_rows_is_dropped() -> None:
    rows = [_drug(str(i), "Ado-Trastuzumab Emtansine", "ERBB2 mAb inhibitor") for i in range(3)]
    rows.append(_drug("9", "Ado-Trastuzumab Emtansine", "EGFR mAb inhibitor"))
    rows.append(_drug("10", "Afatinib + Nimotuzumab", "EGFR inhibitor 2nd gen;EGFR mAb inhibitor"))
    classes = drug_classes(a for a, _ in rows)
    assert classes["ado-trastuzumab emtansine"] == frozenset({"erbb2 mab inhibitor"})
    assert classes["nimotuzumab"] == frozenset({"egfr mab inhibitor"})
    listed = Therapy(
        name="BCR-ABL inhibitor 2nd gens (Nilotinib,Dasatinib,etc)",
        strategy="BCR-ABL inhibitor 2nd gen",
        therapy_type="drug class",
    )
    assert named_drugs(listed, classes) == frozenset({"nilotinib", "dasatinib"})


def test_one_alterations_therapy_stands_on_its_strongest_evidence() -> None:
    """Erlotinib for L858R at Tier I and Tier II; resistance at Tier II moves neither (the
    option stands on its Tier I evidence) but is shown beside both."""
    kb = [
        claim("1", "EGFR", "p.L858R", "Erlotinib"),
        claim("2", "EGFR", "p.L858R", "Erlotinib", evidence=EvidenceClass.CLINICAL_LIMITED),
        claim("3", "EGFR", "p.T790M", "Erlotinib", "resistance", EvidenceClass.CLINICAL_LIMITED),
    ]
    result = assess(_lung(L858R, T790M), kb)  # type: ignore[arg-type]
    assert {f.assertion.assertion_id for f in result.options} == {"test:1", "test:2"}
    assert result.contraindicated == []
    noted = cautions(result.options, result.resistance, result.drug_classes)
    assert {c.option.assertion.assertion_id for c in noted} == {"test:1", "test:2"}
