# SPDX-License-Identifier: Apache-2.0
"""The engine: every assertion in one bucket, options tiered and cited, resistance never an option."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from oncoboard.actionability.engine import assess, recommendations
from oncoboard.actionability.facts import PatientFacts
from oncoboard.knowledge import rules as r
from oncoboard.knowledge.schemas import Assertion, KbReleaseInfo
from tests.actionability.test_matching import BRAF, KRAS

RELEASE = KbReleaseInfo(
    release_id="test@1",
    source="test",
    release="1",
    release_date=None,
    sha256="ab" * 32,
    licence="CC0-1.0",
    notice="Test data: research use only",
    assertion_count=5,
    dropped_count=0,
    imported_at=datetime(2026, 1, 1, tzinfo=UTC),
)


def assertion(
    aid: str,
    rule: Any,
    therapy: str | None,
    level: str,
    evidence: str,
    disease: str,
    direction: str = "sensitivity",
    supports: bool = True,
) -> tuple[Assertion, KbReleaseInfo]:
    return Assertion.model_validate(
        {
            "assertion_id": f"test:{aid}",
            "source": "test",
            "source_level": level,
            "evidence_class": evidence,
            "direction": direction,
            "rule": rule.model_dump(),
            "supports": supports,
            "therapy": {"name": therapy} if therapy else None,
            "disease": {"name": disease, "oncotree_code": disease},
            "references": [{"citation": f"reference for {aid}", "pmid": "123"}],
        }
    ), RELEASE


def melanoma(*extra: Any) -> PatientFacts:
    return PatientFacts(
        patient_id="PT",
        variants=(BRAF, KRAS),
        copy_numbers=(),
        fusions=(),
        biomarkers=(),
        genome_builds=frozenset({"GRCh38"}),
        tumor_types=tuple(extra) or ("SKCM",),
    )


V600E = r.ProteinRule(gene="BRAF", protein_change="p.V600E")
KB = [
    assertion("1", V600E, "Vemurafenib", "FDA-Approved", "REGULATORY_APPROVAL", "MEL"),
    assertion(
        "2", V600E, "Encorafenib + Cetuximab", "FDA-Approved", "REGULATORY_APPROVAL", "COADREAD"
    ),
    assertion(
        "3",
        r.CodonRule(gene="KRAS", ref="G", position=12),
        "Cetuximab",
        "Guideline",
        "GUIDELINE",
        "COADREAD",
        direction="resistance",
    ),
    assertion(
        "4", V600E, "Sorafenib", "Clinical evidence", "CLINICAL_LIMITED", "MEL", supports=False
    ),
    assertion(
        "5",
        r.CopyNumberRule(gene="ERBB2", direction="amplification"),
        "Trastuzumab",
        "FDA-Approved",
        "REGULATORY_APPROVAL",
        "BRCA",
    ),
    assertion(
        "6",
        r.ProteinRule(gene="EGFR", protein_change="p.L858R"),
        "Osimertinib",
        "FDA-Approved",
        "REGULATORY_APPROVAL",
        "NSCLC",
    ),
]


def test_every_assertion_lands_in_exactly_one_bucket() -> None:
    result = assess(melanoma(), KB)
    assert sum(result.counts.values()) == len(KB)
    assert result.counts == {"matched": 4, "not_matched": 1, "not_evaluated": 1}
    assert list(result.not_evaluated) == ["no copy-number calls in the record"]


def test_on_label_first_resistance_and_unsupported_never_options() -> None:
    result = assess(melanoma(), KB)
    assert [f.assertion.assertion_id for f in result.options] == ["test:1", "test:2"]
    assert result.options[0].disease.on_label and not result.options[1].disease.on_label
    assert (result.options[0].tier.amp_tier, result.options[0].tier.escat) == ("Tier I", "I-A")
    assert (result.options[1].tier.amp_tier, result.options[1].tier.escat) == ("Tier II", "III-A")
    assert [f.assertion.assertion_id for f in result.resistance] == ["test:3"]
    assert [f.assertion.assertion_id for f in result.other] == ["test:4"]  # "does not support"


def test_recommendations_carry_basis_evidence_alternatives_and_notice() -> None:
    recs = recommendations(assess(melanoma(), KB))
    assert [rec.statement.split(":")[0] for rec in recs] == [
        "Vemurafenib",
        "Encorafenib + Cetuximab",
    ]
    first = recs[0]
    assert first.basis[0].fact_id == BRAF.fact_id and first.basis[0].match == "protein change"
    assert first.basis[0].provenance.locator == "line 9"
    assert (
        first.evidence[0].identifier == "PMID:123"
        and "test@1" in first.evidence[0].knowledge_version
    )
    assert first.alternatives != "none known" and "Encorafenib" in first.alternatives[0].statement
    assert "research use only" in first.limitations and "SKCM" in first.limitations
    assert first.ai_generated is False and "tier rule amp-IA" in first.generated_by


def test_without_tumour_type_nothing_is_on_label() -> None:
    facts = melanoma()
    untyped = PatientFacts(**{**facts.__dict__, "tumor_types": ()})
    result = assess(untyped, KB)
    assert all(not f.disease.on_label for f in result.options)
    assert "not guessed" in result.options[0].disease.reason
