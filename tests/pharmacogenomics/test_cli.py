# SPDX-License-Identifier: Apache-2.0
"""``oncoboard pgx import|show`` on both databases: VCF and CSV in, phenotypes out."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from oncoboard.cli.main import app as cli_app
from tests.pharmacogenomics.vcfs import germline_vcf
from tests.support import row_counts


def _run(engine: Engine, *args: str) -> tuple[int, str]:
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli_app, ["--database-url", url, "--user", "dr-test", *args])
    error = result.exception
    problems = " ".join(f"{p.locator} {p.value}" for p in getattr(error, "problems", []))
    return result.exit_code, f"{result.output}{error or ''} {problems}"


def test_vcf_import_then_show(engine: Engine, live_server: object, tmp_path: Path) -> None:
    vcf = germline_vcf(tmp_path / "germline.vcf", {"DPYD *2A": "0/1", "TPMT *2": "0/1"})
    code, out = _run(engine, "pgx", "import", str(vcf), "--patient", "PGX-CLI")
    assert code == 0, out
    assert "imported" in out
    code, again = _run(engine, "pgx", "import", str(vcf), "--patient", "PGX-CLI")
    assert code == 0 and "unchanged" in again
    code, out = _run(engine, "pgx", "show", "PGX-CLI", "--json")
    assert code == 0, out
    profile = json.loads(out)
    genes = {g["gene"]: g for g in profile["genes"]}
    assert (genes["DPYD"]["phenotype"], genes["DPYD"]["activity_score"]) == (
        "Intermediate Metabolizer", 1.0)  # fmt: skip
    assert genes["TPMT"]["phenotype"] == "Intermediate Metabolizer"
    advice = {a["drug"]: a["action"] for a in profile["advice"]}
    assert advice["capecitabine"] == "reduce" and advice["mercaptopurine"] == "reduce"


def test_csv_with_an_unknown_allele_is_refused_and_nothing_written(
    engine: Engine, live_server: object, tmp_path: Path
) -> None:
    before = row_counts(engine)
    path = tmp_path / "lab.csv"
    path.write_text("patient_id,gene,diplotype\nP1,DPYD,*1/*2A\nP1,TPMT,*1/*99\n")
    code, out = _run(engine, "pgx", "import", str(path))
    assert code != 0
    assert "*99" in out and "line 3" in out
    assert row_counts(engine) == before
