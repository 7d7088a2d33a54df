# SPDX-License-Identifier: Apache-2.0
"""``--tumor-type``: a VCF/MAF patient's cancer from an OncoTree code, stored with its provenance.

Re-importing the same file with the same code changes nothing; with a different code the
options differ, so it is a new import (its own ledger entry and its own condition fact), and
both conditions stay visible with their import's provenance rather than one silently
replacing the other.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from oncoboard.errors import InputError
from oncoboard.record.models import FactRow, PatientRow, RawBlockRow
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer
from tests.support import import_file, row_counts

HEADER = (
    "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\t"
    "Tumor_Seq_Allele2\tTumor_Sample_Barcode\n"
)
# Two patients, one EGFR L858R row each (GRCh37 7:55259515 T>G).
MAF = HEADER + ("EGFR\tGRCh37\t7\t55259515\tT\tG\tPT-1\nEGFR\tGRCh37\t7\t55259515\tT\tG\tPT-2\n")


@pytest.fixture
def maf(tmp_path: Path) -> Path:
    path = tmp_path / "egfr.maf"
    path.write_text(MAF, encoding="utf-8")
    return path


def _conditions(engine: Engine) -> list[tuple[str, str, dict[str, object], str | None, str]]:
    """(patient, locator, payload, raw record, import id) of every stored condition."""
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(PatientRow.external_id, FactRow)
            .join(PatientRow, PatientRow.id == FactRow.patient_id)
            .where(FactRow.kind == "condition")
            .order_by(PatientRow.external_id, FactRow.id)
        ).all()
        out = []
        for patient, fact in rows:
            raw = fact.raw
            if raw is None and fact.raw_block is not None and fact.raw_index is not None:
                block = session.get(RawBlockRow, fact.raw_block)
                raw = block.record(fact.raw_index) if block is not None else None
            out.append((patient, fact.locator, dict(fact.payload), raw, fact.import_id))
    return out


def test_tumor_type_gives_each_patient_a_condition(engine: Engine, maf: Path) -> None:
    report = import_file(engine, maf, tumor_type="luad")
    assert report.status == "imported"
    assert report.fact_counts == {"variant": 2, "condition": 2}
    conditions = _conditions(engine)
    assert [c[0] for c in conditions] == ["PT-1", "PT-2"]
    for _patient, locator, payload, raw, import_id in conditions:
        assert locator == "option --tumor-type"
        # 'Lung Adenocarcinoma' is LUAD's name in oncotree_2021_11_02.json
        assert payload == {
            "oncotree_code": "LUAD",
            "display": "Lung Adenocarcinoma",
            "is_primary": True,
        }
        assert raw == "--tumor-type LUAD"
        assert import_id == report.import_id


def test_unknown_code_is_a_located_error_and_writes_nothing(engine: Engine, maf: Path) -> None:
    with pytest.raises(InputError, match=r"egfr\.maf: option --tumor-type: 'LUDA' .*LUAD") as err:
        import_file(engine, maf, tumor_type="LUDA")
    [problem] = err.value.problems
    assert (problem.locator, problem.field, problem.value) == (
        "option --tumor-type",
        "tumor_type",
        "LUDA",
    )
    assert not any(row_counts(engine).values())


def test_reimport_same_code_unchanged_other_code_new_import(engine: Engine, maf: Path) -> None:
    first = import_file(engine, maf, tumor_type="LUAD")
    again = import_file(engine, maf, tumor_type=" luad ")
    assert again.status == "unchanged" and again.import_id == first.import_id
    assert row_counts(engine) == {"patients": 2, "imports": 1, "facts": 4}
    other = import_file(engine, maf, tumor_type="NSCLC")
    assert other.status == "imported" and other.import_id != first.import_id
    codes = {(c[0], c[2]["oncotree_code"], c[4]) for c in _conditions(engine)}
    assert ("PT-1", "LUAD", first.import_id) in codes
    assert ("PT-1", "NSCLC", other.import_id) in codes
    assert row_counts(engine)["imports"] == 2


def test_without_tumor_type_no_condition_is_guessed(engine: Engine, maf: Path) -> None:
    report = import_file(engine, maf)
    assert report.fact_counts == {"variant": 2}
    assert _conditions(engine) == []


def test_patient_option_attaches_one_condition(engine: Engine, maf: Path) -> None:
    report = import_file(engine, maf, tumor_type="LUAD", patient="CASE-9")
    assert report.patients == ["CASE-9"]
    assert [c[0] for c in _conditions(engine)] == ["CASE-9"]


def test_api_and_web_form_take_tumor_type(
    engine: Engine, live_server: LiveServer, maf: Path
) -> None:
    url = f"{live_server.url}/api/v1/imports"
    bad = live_server.client().post(
        url, files={"file": ("egfr.maf", MAF.encode())}, data={"tumor_type": "NOPE"}
    )
    assert bad.status_code == 422
    assert [p["locator"] for p in bad.json()["problems"]] == ["option --tumor-type"]
    assert not any(row_counts(engine).values())
    good = live_server.client().post(
        url, files={"file": ("egfr.maf", MAF.encode())}, data={"tumor_type": "LUAD"}
    )
    assert good.status_code == 201, good.text
    assert good.json()["fact_counts"] == {"variant": 2, "condition": 2}
    with live_server.client() as client:
        form = client.get("/imports").text
        assert 'name="tumor_type"' in form
        done = client.post(
            "/imports",
            files={
                "file": ("egfr2.maf", (MAF + "KRAS\tGRCh37\t12\t25398284\tC\tA\tPT-3\n").encode())
            },
            data={"tumor_type": "paad"},
        )
        assert done.status_code == 303
    codes = {(c[0], c[2]["oncotree_code"]) for c in _conditions(engine)}
    assert ("PT-3", "PAAD") in codes and ("PT-1", "LUAD") in codes


def test_cli_option(tmp_path: Path, maf: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    base = [sys.executable, "-c", "from oncoboard.cli.main import run; run()"]
    base += ["--database-url", f"sqlite:///{db}"]
    assert subprocess.run([*base, "db", "upgrade"], check=False, timeout=120).returncode == 0
    bad = subprocess.run(
        [*base, "import", str(maf), "--tumor-type", "LUDA"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert bad.returncode != 0
    assert "option --tumor-type: 'LUDA' is not an OncoTree code" in bad.stderr
    good = subprocess.run(
        [*base, "import", str(maf), "--tumor-type", "LUAD", "--json"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)[0]["fact_counts"] == {"variant": 2, "condition": 2}
