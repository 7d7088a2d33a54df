# SPDX-License-Identifier: Apache-2.0
"""Validation against the MOAlmanac interpreter (issue 5): same inputs, same KB release.

Expected values come from the peer's own outputs in ``../shared/data/kb/moalmanac/peer_run``
(read at test time, counts checked by hand below), from the peer's documented matching rules
(peer_run/README.md) and from drug labels, never from our output.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from benchmarks.peer_compare import PA, PeerTuple, all_findings, compare, fact_keys, read_peer
from benchmarks.peer_inputs import PeerSample, cohort, example
from benchmarks.peer_moalmanac import load_and_assess
from sqlalchemy import Engine

from oncoboard.actionability.engine import Assessment
from oncoboard.actionability.facts import PatientFacts
from oncoboard.actionability.matching import EngineOptions, evaluate
from oncoboard.knowledge import rules as r
from oncoboard.record.schemas import Provenance, RecordedFact, SomaticVariant
from tests.support import shared_file

# Peer Putatively Actionable tuples we knowingly do not reproduce, with the reason. Empty: every
# one is found (docs/validation.md). A new peer output that we miss fails the test until it is
# either fixed or argued here.
EXCEPTIONS: dict[tuple[str, str, str, str], str] = {}


def _run(engine: Engine, sample: PeerSample) -> Assessment:
    shared_file("kb", "moalmanac", "peer_run", "README.md")
    assessment, _dropped = load_and_assess(engine, sample)
    return assessment


def _missing(sample: PeerSample, assessment: Assessment) -> set[tuple[str, str, str, str]]:
    fates = _NoFates()
    result = compare(sample.name, sample.tumor_type, sample.actionable, assessment, fates)  # type: ignore[arg-type]
    return {(sample.name, *p.key[1:], p.direction) for p, _ in result.only_peer}


class _NoFates:
    def explain(self, sample: str, peer: PeerTuple) -> str:
        return ""


@pytest.mark.shared
def test_example_peer_rows_are_read_as_the_file_says() -> None:
    # awk -F'\t' 'NR>1 && $14=="Putatively Actionable"' example.actionable.txt | wc -l  -> 5 rows,
    # with 8 PA directions: BRAF V600E x3, CDK4 amp, CDKN2A del, TP53 del x2, BRAF amp (resistance)
    shared_file("kb", "moalmanac", "peer_run", "example.actionable.txt")
    tuples, _bins = read_peer(example().actionable)
    assert len(tuples) == 8
    braf = {t.direction: t for t in tuples if t.key == ("Somatic Variant", "BRAF", "p.V600E")}
    assert set(braf) == {"sensitivity", "resistance", "poor_prognosis"}
    assert braf["resistance"].therapy == "Panitumumab" and braf["resistance"].level == "Guideline"


@pytest.mark.shared
def test_example_patient_every_putatively_actionable_row_is_found(engine: Engine) -> None:
    sample = example()
    assessment = _run(engine, sample)
    assert _missing(sample, assessment) == set(EXCEPTIONS)


@pytest.mark.shared
def test_example_melanoma_braf_v600e_gets_on_label_melanoma_approvals(engine: Engine) -> None:
    # The peer shows one therapy per direction and prefers its exact --tumor_type code (SKCM),
    # then any disease: it names the colorectal BREAKWATER combination. SKCM is a child of MEL in
    # OncoTree, and dabrafenib + trametinib is FDA-approved for BRAF V600E melanoma (TAFINLAR/
    # MEKINIST labels; KB assertions 145/147 with oncotree_code MEL), so it must be on-label here.
    assessment = _run(engine, example())
    melanoma = [
        f
        for f in assessment.options
        if f.assertion.therapy
        and f.assertion.therapy.name == "Dabrafenib + Trametinib"
        and f.assertion.source_level == "FDA-Approved"
        and f.assertion.disease.oncotree_code == "MEL"
        and ("Somatic Variant", "BRAF", "p.V600E") in fact_keys(f)
    ]
    assert melanoma and all(f.disease.on_label for f in melanoma)
    assert melanoma[0].tier.amp_tier == "Tier I"


@pytest.mark.shared
def test_example_germline_maf_rows_stay_germline(engine: Engine) -> None:
    # The germline MAF (passed with --germline_handle) has BRCA2 p.S1982fs; the peer lists it as
    # a Germline Variant row, never as somatic.
    assessment = _run(engine, example())
    keys = {k for f in all_findings(assessment) for k in fact_keys(f)}
    assert ("Germline Variant", "BRCA2", "p.S1982fs") in keys
    assert ("Somatic Variant", "BRCA2", "p.S1982fs") not in keys


@pytest.mark.shared
@pytest.mark.parametrize("name", ["TCGA-AB-2805", "TCGA-AB-2821", "TCGA-AB-2985"])
def test_cohort_putatively_actionable_rows_are_found(engine: Engine, name: str) -> None:
    # peer_run/cohort/summary.tsv: 1, 3 and 1 Putatively Actionable rows respectively
    shared_file("kb", "moalmanac", "peer_run", "cohort", name, "meta.json")
    sample = next(s for s in cohort() if s.name == name)
    tuples, bins = read_peer(sample.actionable)
    assert tuples and any(PA in b.values() for b in bins.values())
    assert _missing(sample, _run(engine, sample)) == {k for k in EXCEPTIONS if k[0] == name}


# ---- variant class on loss-of-function and gene-level rules (no database) ---------------------

PROV = Provenance(
    source_name="t.maf",
    source_sha256="0" * 64,
    locator="line 2",
    importer="maf",
    importer_version="1",
    import_id="i",
    imported_at=datetime(2026, 1, 1, tzinfo=UTC),
)


def _patient(protein: str, consequence: str | None) -> PatientFacts:
    variant = SomaticVariant(
        genome_build="GRCh37", gene="RUNX1", hgvs_p=protein, consequence=consequence
    )
    recorded = RecordedFact(fact_id=1, fact=variant, provenance=PROV)
    return PatientFacts("p", (recorded,), (), (), (), frozenset({"GRCh37"}), ("AML",))


@pytest.mark.parametrize("consequence", ["Nonsense_Mutation", "stop_gained", None])
def test_loss_of_function_rule_keeps_the_variant_class_it_names(consequence: str | None) -> None:
    # KB assertions 522 (RUNX1 Nonsense) and 523 (RUNX1 Frameshift) are separate rows; the peer
    # matches variant_annotation exactly (README: bin 3 = gene + alteration type), and
    # TCGA-AB-2805's RUNX1 p.R174* is scored against the Nonsense row only.
    facts = _patient("p.R174*", consequence)
    nonsense = r.LossOfFunctionRule(gene="RUNX1", variant_class="nonsense")
    frameshift = r.LossOfFunctionRule(gene="RUNX1", variant_class="frameshift")
    assert evaluate(nonsense, facts, EngineOptions()).matched
    outcome = evaluate(frameshift, facts, EngineOptions())
    assert outcome.status == "not_matched" and "frameshift" in outcome.reason


def test_gene_level_missense_rule_does_not_take_a_truncating_variant() -> None:
    # KB assertion 560 is "TP53 Missense" (no protein change): a nonsense variant is not missense.
    truncating = _patient("p.R174*", "Nonsense_Mutation")
    missense = _patient("p.D171N", "Missense_Mutation")
    rule = r.GeneAnyRule(gene="RUNX1", variant_class="missense")
    on = EngineOptions(gene_level=True)
    assert evaluate(rule, truncating, on).status == "not_matched"
    assert evaluate(rule, missense, on).matched
