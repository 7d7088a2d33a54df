# SPDX-License-Identifier: Apache-2.0
"""Patient API over a real server: list, search, paging, record, variants, one fact, errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import LiveServer
from tests.support import import_file, shared_file

PROBLEM = "application/problem+json"
HEADER = (
    "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\t"
    "Tumor_Seq_Allele2\tTumor_Sample_Barcode\tt_depth\tt_alt_count\tHGVSp_Short\n"
)


def _maf(tmp_path: Path, rows: list[str], name: str = "small.maf") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.shared
def test_list_search_and_paging(engine: Engine, live_server: LiveServer) -> None:
    import_file(engine, shared_file("interop", "maf", "maftools", "tcga_laml.maf.gz"))
    with live_server.client() as client:
        page = client.get("/api/v1/patients", params={"limit": 50, "offset": 150}).json()
        # 193 distinct Tumor_Sample_Barcode values, each a TCGA participant
        # (zcat tcga_laml.maf.gz | awk -F'\t' 'NR>1{print $14}' | sort -u | wc -l)
        assert page["total"] == 193
        assert len(page["items"]) == 43
        found = client.get("/api/v1/patients", params={"q": "ab-2802"}).json()
        assert [p["patient_id"] for p in found["items"]] == ["TCGA-AB-2802"]
        # 12 rows of TCGA-AB-2802 (awk '$14=="TCGA-AB-2802"' | wc -l)
        assert found["items"][0]["variant_count"] == 12
        none = client.get("/api/v1/patients", params={"q": "no-such-person"}).json()
        assert none == {"items": [], "total": 0, "limit": 50, "offset": 0}


@pytest.mark.shared
def test_record_and_fact_carry_provenance_and_raw_line(
    engine: Engine, live_server: LiveServer
) -> None:
    path = shared_file("interop", "maf", "vcf2maf", "test.maf")
    report = import_file(engine, path)
    with live_server.client() as client:
        record = client.get("/api/v1/patients/TUMOR").json()
        assert record["variant_total"] == 20 and record["genome_builds"] == ["GRCh37"]
        first = record["variants"][0]
        # line 3: MTOR 1:11290179 Intron, t_depth 20, t_alt_count 10
        assert first["fact"]["gene"] == "MTOR" and first["fact"]["depth"] == 20
        assert first["provenance"]["locator"] == "line 3"
        detail = client.get(f"/api/v1/patients/TUMOR/facts/{first['fact_id']}").json()
    provenance = detail["provenance"]
    assert provenance["source_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert provenance["import_id"] == report.import_id
    assert (provenance["importer"], provenance["importer_version"]) == ("maf", "1.0")
    assert detail["source_format"] == "maf" and detail["label"] == "MTOR"
    line3 = path.read_text(encoding="utf-8").splitlines()[2].split("\t")
    assert detail["raw"].split("\t")[:6] == line3[:6]


def test_variants_filter_by_gene_sort_and_page(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    rows = [
        "KRAS\tGRCh38\t12\t25245350\tC\tT\tPT-1\t100\t40\tp.G12D",
        "TP53\tGRCh38\t17\t7675088\tC\tT\tPT-1\t200\t30\tp.R175H",
        "KRAS\tGRCh38\t12\t25245351\tC\tA\tPT-1\t50\t45\tp.G12V",
        "EGFR\tGRCh38\t7\t55191822\tT\tG\tPT-1\t80\t8\tp.L858R",
        "C11orf95\tGRCh38\t11\t63766542\tG\tA\tPT-1\t10\t1\t",
    ]
    import_file(engine, _maf(tmp_path, rows))
    base = "/api/v1/patients/PT-1/variants"
    with live_server.client() as client:
        kras = client.get(base, params={"gene": "kras"}).json()
        assert kras["total"] == 2
        assert [v["fact"]["hgvs_p"] for v in kras["items"]] == ["p.G12D", "p.G12V"]
        orf = client.get(base, params={"gene": "C11orf95"}).json()
        assert orf["total"] == 1
        by_vaf = client.get(base, params={"sort": "-vaf"}).json()["items"]
        # VAF = t_alt_count / t_depth: 45/50, 40/100, 30/200, 8/80, 1/10
        assert [v["fact"]["vaf"] for v in by_vaf] == [0.9, 0.4, 0.15, 0.1, 0.1]
        by_gene = client.get(base, params={"sort": "gene", "limit": 2, "offset": 1}).json()
        assert by_gene["total"] == 5
        assert [v["fact"]["gene"] for v in by_gene["items"]] == ["EGFR", "KRAS"]
        deep = client.get(base, params={"sort": "-depth", "limit": 1}).json()["items"]
        assert deep[0]["fact"]["gene"] == "TP53"
        record = client.get("/api/v1/patients/PT-1", params={"gene": "TP53"}).json()
        assert record["variant_total"] == 1 and record["variants"][0]["fact"]["pos"] == 7675088


def test_unknown_patient_and_fact_are_404_problems(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    import_file(engine, _maf(tmp_path, ["KRAS\tGRCh38\t12\t25245350\tC\tT\tPT-1\t100\t40\t"]))
    import_file(
        engine, _maf(tmp_path, ["KRAS\tGRCh38\t12\t25245350\tC\tT\tPT-2\t90\t9\t"], "b.maf")
    )
    with live_server.client() as client:
        other = client.get("/api/v1/patients/PT-2").json()["variants"][0]["fact_id"]
        for url in (
            "/api/v1/patients/NOPE",
            "/api/v1/patients/NOPE/variants",
            "/api/v1/patients/NOPE/facts/1",
            f"/api/v1/patients/PT-1/facts/{other}",  # a fact of another patient
            "/api/v1/patients/PT-1/facts/999999",
        ):
            response = client.get(url)
            assert response.status_code == 404, url
            assert response.headers["content-type"] == PROBLEM
            body = response.json()
            assert body["status"] == 404 and body["instance"] == url
        bad = client.get("/api/v1/patients", params={"limit": 0})
        assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
        assert bad.json()["problems"][0]["field"] == "limit"
        bad_sort = client.get("/api/v1/patients/PT-1/variants", params={"sort": "colour"})
        assert bad_sort.status_code == 422
