# SPDX-License-Identifier: Apache-2.0
"""Issue 13: the report a molecular pathologist would sign, on the real KB files (both backends).

Each test is one finding of the clinical review: no crash on assumed wild-type rules, absence is
not evidence, filtered calls, the whole tumour (resistance, progression), case reports are level
D, germline, Tier III/IV, CIViC diseases mapped to OncoTree.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from oncoboard.actionability.contraindications import agents
from oncoboard.governance.vocabulary import Role
from oncoboard.report.schemas import Report
from tests.conftest import LiveServer, make_user
from tests.report.clinical_support import (
    import_progression,
    import_record,
    load_demo_cohort,
    load_kb,
    variant_observation,
)
from tests.report.conftest import build
from tests.support import import_file, shared_file

pytestmark = pytest.mark.shared
EGFR_TKIS = {"erlotinib", "gefitinib", "afatinib"}


def _rows(report: Report, tier: str | None = None) -> list[tuple[str, str, str]]:
    return [
        (t.tier, row.alteration, row.therapy)
        for t in report.tiers
        if tier is None or t.tier == tier
        for row in t.rows
    ]


def _not_evaluated(report: Report) -> dict[str, list[str]]:
    return {g.reason: g.assertion_ids for g in report.not_evaluated}


def test_assumed_wild_type_rules_never_break_the_report(
    engine: Engine, live_server: LiveServer
) -> None:
    load_demo_cohort(engine)
    load_kb(engine, "cgi", "moalmanac-regulatory")  # the README's order crashed every report
    for patient in ("demo-001", "demo-002", "demo-003"):
        report = build(engine, patient)
        assert report.tiers, patient
        untested = [
            ids
            for reason, ids in _not_evaluated(report).items()
            if "gene testing not recorded" in reason
        ]
        flat = {i for ids in untested for i in ids}
        # MOAlmanac "EGFR and ALK negative" (statement 37): untested unless EGFR is altered
        # (demo-002 carries EGFR p.L858R, so it is simply not matched); CGI "KIT wild type"
        assert ("moalmanac-reg:37" in flat) == (patient != "demo-002"), patient
        found = {f.assertion_id for t in report.tiers for f in t.findings}
        assert "moalmanac-reg:37" not in found
        assert any(i.startswith("cgi:") for i in flat), patient
        for counts in report.counts:
            assert counts.matched + counts.not_matched + counts.not_evaluated == counts.assertions
    token = make_user(engine, "dr-api", [Role.CLINICIAN])
    answer = httpx.get(
        f"{live_server.url}/api/v1/patients/demo-002/report",
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
    )
    assert answer.status_code == 200, answer.text[:500]


def test_wild_type_rules_need_a_recorded_negative_result(engine: Engine, tmp_path: Path) -> None:
    load_kb(engine, "moalmanac-regulatory")
    negatives = [
        variant_observation("PT-NEG", gene, None, origin=None, absent=True)
        for gene in ("EGFR", "ALK")
    ]
    import_record(engine, tmp_path, "PT-NEG", "LUAD", negatives)
    import_record(
        engine, tmp_path, "PT-UNTESTED", "LUAD",
        [variant_observation("PT-UNTESTED", "KRAS", "p.Gly12Cys", vaf=0.4)],
    )  # fmt: skip
    tested = build(engine, "PT-NEG", user="site-admin")
    matched = [f for t in tested.tiers for f in t.findings if f.assertion_id == "moalmanac-reg:37"]
    assert matched, "EGFR and ALK tested negative: chemo-immunotherapy applies"
    # the basis is the recorded negative results themselves (gene-testing facts)
    labels = {fact.label for fact in matched[0].facts}
    assert any(label.endswith("no variant found in EGFR") for label in labels), labels
    assert any(label.endswith("no variant found in ALK") for label in labels), labels
    assert matched[0].match_level == "tested negative (wild type)"
    untested = build(engine, "PT-UNTESTED", user="site-admin")
    assert not any(f.assertion_id == "moalmanac-reg:37" for t in untested.tiers for f in t.findings)
    reasons = [r for r, ids in _not_evaluated(untested).items() if "moalmanac-reg:37" in ids]
    assert reasons and "gene testing not recorded" in reasons[0]


def test_calls_that_did_not_pass_filter_are_excluded_unless_included(
    engine: Engine, tmp_path: Path
) -> None:
    load_kb(engine, "civic")
    vcf = shared_file(
        "interop", "vcf", "vep", "HCC1395.pvacseq_example.vep105.annotated.expression.vcf.gz"
    )
    import_file(engine, vcf, patient="HCC1395", tumor_type="IDC", tumor_sample="HCC1395_TUMOR_DNA")
    report = build(engine, "HCC1395", user="site-admin")
    assert report.filtered_calls is not None
    # 206 of 1,470 records carry SOMATIC_LLR, MAPQ0 or DEPTH filters (issue 13)
    assert report.filtered_calls.count == 206 and not report.filtered_calls.included
    assert report.filtered_calls.values["SOMATIC_LLR"] == 115
    assert all(k.passed for k in report.key_alterations)
    included = build(engine, "HCC1395", user="site-admin", include_filtered=True)
    assert included.filtered_calls is not None and included.filtered_calls.included
    flagged = {k.gene for k in included.key_alterations if not k.passed}
    for t in included.tiers:  # a row resting on a filtered call says so
        for row in t.rows:
            assert row.filtered_call == any(g in row.alteration for g in flagged) or not flagged


def test_co_occurring_resistance_and_progression_undo_options(
    engine: Engine, tmp_path: Path
) -> None:
    load_kb(engine, "civic", "moalmanac")
    import_record(
        engine, tmp_path, "PT-T790M", "LUAD",
        [variant_observation("PT-T790M", "EGFR", "p.Leu858Arg", vaf=0.4),
         variant_observation("PT-T790M", "EGFR", "p.Thr790Met", vaf=0.2)],
    )  # fmt: skip
    report = build(engine, "PT-T790M", user="site-admin")
    offered = [therapy for _, _, therapy in _rows(report)]
    assert not [t for t in offered if agents(t) & EGFR_TKIS], offered
    moved = {c.therapy.lower(): c for c in report.contraindicated}
    assert {"erlotinib", "gefitinib", "afatinib"} <= set(moved)
    assert "p.T790M" in moved["erlotinib"].why and moved["erlotinib"].resistance is not None
    assert moved["erlotinib"].option.facts and moved["erlotinib"].resistance.facts
    assert any(therapy == "Osimertinib" for _, _, therapy in _rows(report, "Tier I"))

    for patient, reason in (("PT-PROG", "Progressive Disease"), ("PT-AE", "Adverse Event")):
        import_record(
            engine, tmp_path, patient, "LUAD",
            [variant_observation(patient, "EGFR", "p.Leu858Arg", vaf=0.4)],
        )  # fmt: skip
        import_progression(engine, tmp_path, patient, "osimertinib", reason)
    progressed = build(engine, "PT-PROG", user="site-admin")
    assert not [t for t in _rows(progressed) if "osimertinib" in agents(t[2])]
    stopped = [c for c in progressed.contraindicated if "osimertinib" in agents(c.therapy)]
    assert stopped and all("documented progression on osimertinib" in c.why for c in stopped)
    assert stopped[0].treatment is not None and "osimertinib" in stopped[0].treatment.lower()
    toxicity = build(engine, "PT-AE", user="site-admin")  # stopped for toxicity: still an option
    assert any(t[2] == "Osimertinib" for t in _rows(toxicity, "Tier I"))


def test_a_case_report_is_level_d_and_never_the_top_tier_ii_finding(engine: Engine) -> None:
    load_demo_cohort(engine)
    load_kb(engine, "civic", "cgi")
    report = build(engine, "demo-001")  # IDC
    findings = [f for t in report.tiers for f in t.findings]
    case_reports = [f for f in findings if f.evidence_class == "CASE_REPORT"]
    assert case_reports and all(f.amp_level == "D" for f in case_reports)
    tier_two = next(t for t in report.tiers if t.tier == "Tier II")
    assert tier_two.rows[0].amp_level != "D" or all(r.amp_level == "D" for r in tier_two.rows)
    assert any("case report" in line for line in tier_two.rationale)


def test_civic_diseases_are_mapped_to_oncotree(engine: Engine) -> None:
    load_demo_cohort(engine)
    load_kb(engine, "civic")
    lung = build(engine, "demo-002")  # LUAD, EGFR p.L858R
    egfr = [f for t in lung.tiers for f in t.findings if f.release_id.startswith("civic")]
    nsclc = [f for f in egfr if f.disease == "Lung Non-small Cell Carcinoma"]
    assert nsclc and all(f.on_label for f in nsclc)
    assert "OncoTree NSCLC" in nsclc[0].disease_reason
    assert any(f.amp_tier == "Tier I" for f in nsclc)
    breast = build(engine, "demo-001")  # IDC
    mapped = [f for t in breast.tiers for f in t.findings if f.disease == "Breast Cancer"]
    assert mapped and all(f.on_label for f in mapped)


def test_germline_origin_is_stated_and_testing_prompted(engine: Engine, tmp_path: Path) -> None:
    load_kb(engine, "moalmanac")
    import_record(
        engine, tmp_path, "PT-BRCA", "IDC",
        [variant_observation("PT-BRCA", "BRCA2", "p.Gln1234Ter", origin=None, vaf=0.48),
         variant_observation("PT-BRCA", "TP53", "p.Arg175His", origin="somatic", vaf=0.3)],
    )  # fmt: skip
    report = build(engine, "PT-BRCA", user="site-admin")
    notes = {n.gene: n for n in report.germline}
    assert notes["BRCA2"].origin == "unknown"
    assert notes["BRCA2"].prompt and notes["BRCA2"].prompt.startswith(
        "Germline testing recommended"
    )
    assert "PMID 36529447" in notes["BRCA2"].citation
    assert notes["TP53"].origin == "somatic"
    germline_only = [r for r in _not_evaluated(report) if r.startswith("germline status unknown")]
    assert germline_only and "BRCA2" in germline_only[0]
    key = {k.gene: k for k in report.key_alterations}
    assert "BRCA2" not in key or key["BRCA2"].origin == "unknown"


def test_tier_three_and_four_list_variants_in_cancer_genes(engine: Engine) -> None:
    load_kb(engine, "civic", "cgi")
    folder = ("kb", "moalmanac", "peer_run", "cohort", "HCC1395")
    for name in ("HCC1395.snvs.maf", "HCC1395.indels.maf"):
        import_file(engine, shared_file(*folder, name), patient="HCC1395", tumor_type="IDC")
    report = build(engine, "HCC1395", user="site-admin")
    tiers = report.variant_tiers
    assert tiers is not None and tiers.cancer_genes > 100
    listed = {(v.gene, v.change): v for v in [*tiers.tier3, *tiers.tier4]}
    assert listed and tiers.other_genes > 0
    # BRCA2 p.E1593* (HCC1395, meta.json): a null variant in a tumour suppressor, OVS1
    brca2 = listed.get(("BRCA2", "p.E1593*"))
    assert brca2 is not None and brca2.points >= 8 and brca2.oncogenicity == "likely oncogenic"
    assert all(v.points >= 0 for v in tiers.tier3) and all(v.points < 0 for v in tiers.tier4)
    assert "OVS1" in " ".join(brca2.criteria) and "gnomAD" in tiers.not_scored
