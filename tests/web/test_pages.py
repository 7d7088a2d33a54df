# SPDX-License-Identifier: Apache-2.0
"""Server-rendered pages over a real server: list, patient record, fact page, imports and upload."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from oncoboard.settings import Settings
from tests.conftest import LiveServer
from tests.support import import_file, row_counts, shared_file
from tests.web.html import table_rows

HEADER = (
    "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\t"
    "Tumor_Seq_Allele2\tTumor_Sample_Barcode\tt_depth\tt_alt_count\tHGVSc\tHGVSp_Short\t"
    "Variant_Classification\n"
)


def _column(rows: list[list[str]], name: str) -> list[str]:
    index = (
        rows[0].index(name) if name in rows[0] else [c.split(" ")[0] for c in rows[0]].index(name)
    )
    return [row[index] for row in rows[1:]]


@pytest.mark.shared
def test_patient_list_search_and_paging(engine: Engine, live_server: LiveServer) -> None:
    import_file(engine, shared_file("interop", "maf", "maftools", "tcga_laml.maf.gz"))
    with live_server.client() as client:
        first = client.get("/").text
        # 193 participants (awk -F'\t' 'NR>1{print $14}' | sort -u | wc -l), 25 a page
        assert "Showing 1–25 of 193 patients" in first
        assert len(table_rows(first, "patients")) == 26
        assert "Page 1 of 8" in first
        last = client.get("/", params={"page": 8}).text
        assert len(table_rows(last, "patients")) == 1 + 193 - 7 * 25
        found = client.get("/", params={"q": "AB-2802"}).text
        rows = table_rows(found, "patients")
        assert [r[0] for r in rows[1:]] == ["TCGA-AB-2802"]
        assert _column(rows, "Variants") == ["12"]  # awk '$14=="TCGA-AB-2802"' | wc -l
        none = client.get("/", params={"q": "zzz"}).text
        assert "No patients match “zzz”" in none


@pytest.mark.shared
def test_patient_page_shows_variants_with_their_source(
    engine: Engine, live_server: LiveServer
) -> None:
    path = shared_file("interop", "maf", "vcf2maf", "test.maf")
    import_file(engine, path)
    with live_server.client() as client:
        page = client.get("/patients/TUMOR").text
        rows = table_rows(page, "variants")
        assert len(rows) == 21  # header + 20 rows
        # line 6 of test.maf: INHA 2:220439700 Frame_Shift_Ins, t_depth 93, t_alt_count 72
        inha = next(r for r in rows if r[0] == "INHA")
        assert inha[3] == "Frame Shift Ins"
        assert inha[4] == f"{72 / 93:.3f}" and inha[5] == "93 (72 alt)"
        assert inha[-1] == "test.maf · line 6"
        assert "GRCh37" in page  # the header card's genome build
        fact_url = re.search(r'href="(/patients/TUMOR/facts/\d+)"', page)
        assert fact_url is not None
        fact = client.get(fact_url.group(1)).text
    assert hashlib.sha256(path.read_bytes()).hexdigest() in fact
    assert "maf 1.0" in fact and "line 3" in fact
    assert "MTOR\t0\t.\tGRCh37\t1\t11290179" in fact  # the raw record (line 3 of test.maf)


def test_variant_table_filters_sorts_and_pages(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    lines = [
        f"GENE{i % 7}\tGRCh38\t1\t{1000 + i}\tA\tG\tPT-1\t100\t{i % 100}\tc.{i}A>G\t\tMissense_Mutation\n"
        for i in range(230)
    ]
    path = tmp_path / "many.maf"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    import_file(engine, path)
    with live_server.client() as client:
        first = client.get("/patients/PT-1").text
        assert "Variants page 1 of 3" in first and "Rows 1–100 of 230." in first
        third = client.get("/patients/PT-1", params={"vpage": 3}).text
        assert len(table_rows(third, "variants")) == 31
        gene3 = client.get("/patients/PT-1", params={"gene": "gene3"}).text
        rows = table_rows(gene3, "variants")
        # i % 7 == 3 for i in 0..229: 33 rows, all GENE3
        assert {r[0] for r in rows[1:]} == {"GENE3"} and len(rows) == 34
        by_vaf = client.get("/patients/PT-1", params={"gene": "GENE3", "sort": "-vaf"}).text
        vafs = [float(v) for v in _column(table_rows(by_vaf, "variants"), "VAF")]
        # t_alt_count is i % 100 of t_depth 100: the highest GENE3 VAF is i = 199, 0.99
        assert vafs == sorted(vafs, reverse=True) and vafs[0] == 0.99
        assert 'aria-sort="descending"' in by_vaf


def test_unknown_patient_and_fact_pages_are_404(engine: Engine, live_server: LiveServer) -> None:
    with live_server.client() as client:
        page = client.get("/patients/NOPE")
        assert page.status_code == 404 and "text/html" in page.headers["content-type"]
        assert "patient &#39;NOPE&#39; not found" in page.text
        assert client.get("/patients/NOPE/facts/1").status_code == 404


def test_upload_form_lists_problems_then_imports(
    engine: Engine, live_server: LiveServer, settings: Settings
) -> None:
    bad = HEADER + "BRAF\tGRCh37\t7\tabc\tA\tT\tPT-5\t100\t45\t\t\tMissense_Mutation\n"
    good = (
        HEADER
        + "BRAF\tGRCh37\t7\t140453136\tA\tT\tPT-5\t100\t45\tc.1799T>A\tp.V600E\tMissense_Mutation\n"
    )
    with live_server.client() as client:
        refused = client.post("/imports", files={"file": ("bad.maf", bad.encode())})
        assert refused.status_code == 422
        assert "bad.maf was not imported" in refused.text
        problems = table_rows(refused.text, "problem-list")
        assert problems[1] == ["line 2", "Start_Position", "abc", "an integer"]
        assert not any(row_counts(engine).values())
        done = client.post("/imports", files={"file": ("good.maf", good.encode())})
        assert done.status_code == 303
        ledger = client.get(done.headers["location"]).text
        assert "File imported." in ledger
        rows = table_rows(ledger, "ledger")
        assert len(rows) == 2 and rows[1][1].startswith("good.maf")
        assert rows[1][2] == hashlib.sha256(good.encode()).hexdigest()[:12]
        assert rows[1][5] == "variant 1" and rows[1][6] == "PT-5"
        again = client.post("/imports", files={"file": ("good.maf", good.encode())})
        assert "nothing changed" in client.get(again.headers["location"]).text
        page = client.get("/patients/PT-5").text
        braf = table_rows(page, "variants")[1]
        assert braf[:3] == ["BRAF", "c.1799T>A", "p.V600E"] and braf[-1] == "good.maf · line 2"


def test_upload_form_refuses_unsafe_name_and_no_file(
    engine: Engine, live_server: LiveServer, settings: Settings
) -> None:
    with live_server.client() as client:
        unsafe = client.post("/imports", files={"file": ("../x.maf", b"Hugo_Symbol\n")})
        assert unsafe.status_code == 422 and "is not allowed" in unsafe.text
        empty = client.post("/imports", data={"patient": "PT-1"})
        assert empty.status_code == 422 and "choose a file" in empty.text
    assert not settings.upload_dir.exists() or not any(settings.upload_dir.rglob("*"))
    assert not any(row_counts(engine).values())


@pytest.mark.shared
def test_fhir_patient_page_reads_as_one_record(engine: Engine, live_server: LiveServer) -> None:
    """mCODE example bundle: demographics, staged primary cancer, treatments, ECOG, timeline."""
    bundle = shared_file(
        "interop", "fhir-mcode", "examples", "Bundle-mcode-patient-bundle-jenny-m.json"
    )
    # the bundle's genomic variant states no reference assembly, so the build is given
    report = import_file(engine, bundle, genome_build="GRCh37")
    with live_server.client() as client:
        page = client.get(f"/patients/{report.patients[0]}").text
    # Patient: name given "Jenny", family "M"; birthDate 1965-01-01; gender female
    assert re.search(r"<h1[^>]*>Jenny M ", page)
    assert "<dd>1965-01-01</dd>" in page and "<dd>female</dd>" in page
    # Condition.stage.summary: SNOMED 1222806003 "American Joint Committee on Cancer stage IIIC"
    # shown once on the first screen, "Stage" written once (#17: not "stage Stage IIIC")
    assert re.search(r'<p id="fs-stage">Stage IIIC', page)
    assert "Stage Stage" not in page and "stage Stage" not in page
    treatments = table_rows(page, "treatments")
    # Procedure radiotherapy-treatment-summary-chest-wall-jenny-m: performedPeriod 2018-08-15..2018-10-25
    radiotherapy = [r for r in treatments if r[0] == "radiotherapy"]
    assert [(r[2], r[3]) for r in radiotherapy] == [("2018-08-15", "2018-10-25")]
    # MedicationRequest cyclophosphamide: authoredOn 2018-04-12, dosage boundsPeriod.start 2018-04-01
    cyclo = [r for r in treatments if r[1].startswith("cyclophosphamide")]
    assert len(cyclo) == 1 and cyclo[0][2] in ("2018-04-01", "2018-04-12")
    # Observation ecog-performance-status-jenny-m: valueInteger 0, effective 2018-04-12
    assert table_rows(page, "performance")[1][:3] == ["ECOG", "0", "2018-04-12"]
    timeline = table_rows(page, "timeline")[1:]
    dates = [r[0] for r in timeline]
    # earliest dated resource: Procedure us-core-procedure-mammogram-jenny-m, 2018-02-01
    assert dates == sorted(dates) and dates[0] == "2018-02-01" and "2018-10-25" in dates
    sources = [
        r[-1]
        for name in ("conditions", "treatments", "timeline")
        for r in table_rows(page, name)[1:]
    ]
    assert sources and all(
        s.startswith("Bundle-mcode-patient-bundle-jenny-m.json · entry ") for s in sources
    )
