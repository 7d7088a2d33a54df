# SPDX-License-Identifier: Apache-2.0
"""`make run`'s main job end to end: serve --demo on a fresh SQLite database, then read it back."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("demo")
    port = _free_port()
    env = {
        **os.environ,
        "ONCOBOARD_DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
        "ONCOBOARD_UPLOAD_DIR": str(folder / "uploads"),
    }
    command = [
        sys.executable,
        "-c",
        "from oncoboard.cli.main import run; run()",
        "serve",
        "--demo",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("demo server did not start:\n" + Path(log.name).read_text())
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def oncologist(demo_server: str) -> dict[str, str]:
    """Log in as the printed demo oncologist and get a bearer token, as a user would."""
    return _login(demo_server, "oncologist")


def test_demo_needs_a_login(demo_server: str) -> None:
    assert httpx.get(f"{demo_server}/api/v1/patients", timeout=10).status_code == 401
    page = httpx.get(f"{demo_server}/patients/demo-002", timeout=10)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")


def test_demo_cohort_is_listed(demo_server: str, oncologist: dict[str, str]) -> None:
    listed = httpx.get(f"{demo_server}/api/v1/patients", headers=oncologist, timeout=10).json()
    assert {p["patient_id"] for p in listed["items"]} == {"demo-001", "demo-002", "demo-003"}
    page = httpx.get(demo_server + "/", headers=oncologist, timeout=10).text
    assert "demo-002" in page and "Non-small cell lung cancer" in page


def test_demo_patient_record_joins_every_source(
    demo_server: str, oncologist: dict[str, str]
) -> None:
    record = httpx.get(
        f"{demo_server}/api/v1/patients/demo-002", headers=oncologist, timeout=10
    ).json()
    sources = {
        f["provenance"]["source_name"]
        for section in ("variants", "conditions", "fusions", "copy_numbers")
        for f in record[section]
    }
    assert sources == {"demo-002.vep.vcf", "demo-cohort.fhir.json", "demo-study"}
    egfr = next(v for v in record["variants"] if v["fact"]["gene"] == "EGFR")
    # demo-002.vep.vcf line for chr7:55191822: PICK transcript ENST00000275493, AD 120,58
    assert egfr["fact"]["hgvs_p"] == "p.L858R"
    assert egfr["fact"]["vaf"] == pytest.approx(58 / 178, abs=1e-3)
    # the multi-allelic STK11 record is split into two variants
    assert sum(1 for v in record["variants"] if v["fact"]["gene"] == "STK11") == 2
    assert any(f["fact"]["gene_3p"] == "RET" for f in record["fusions"])
    page = httpx.get(f"{demo_server}/patients/demo-002", headers=oncologist, timeout=10).text
    assert "p.L858R" in page and "demo-002.vep.vcf" in page


def test_demo_recommendation_awaits_a_decision(
    demo_server: str, oncologist: dict[str, str]
) -> None:
    listed = httpx.get(
        f"{demo_server}/api/v1/patients/demo-002/recommendations", headers=oncologist, timeout=10
    ).json()
    assert len(listed) == 1 and listed[0]["decision"] is None
    recommendation = listed[0]["recommendation"]
    assert recommendation["status"] == "proposed" and recommendation["ai_generated"] is False
    assert recommendation["basis"][0]["provenance"]["source_name"] == "demo-002.vep.vcf"


def _login(server: str, username: str) -> dict[str, str]:
    response = httpx.post(
        f"{server}/api/v1/auth/token",
        json={"username": username, "password": "oncoboard-demo"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_demo_symptom_reports_put_an_alert_in_the_nurses_queue(demo_server: str) -> None:
    """demo/activity.py: the last of three weekly reports rates hand-foot syndrome severe (3)."""
    queue = httpx.get(
        f"{demo_server}/api/v1/alerts", headers=_login(demo_server, "nurse"), timeout=10
    ).json()
    rules = {item["rule_id"] for item in queue["items"] if item["patient_id"] == "demo-001"}
    assert "severe-answer" in rules  # any attribute >= 3 (facts §1.7 default)


def test_demo_trials_are_matched_for_the_lung_patient(
    demo_server: str, oncologist: dict[str, str]
) -> None:
    listed = httpx.get(f"{demo_server}/api/v1/trials", headers=oncologist, timeout=10).json()
    assert listed["total"] == 3
    matched = httpx.get(
        f"{demo_server}/api/v1/patients/demo-002/trials", headers=oncologist, timeout=30
    ).json()
    first = matched["matches"][0]
    # demo-002 has lung adenocarcinoma: only the EGFR trial is not excluded by tumour type
    assert first["nct_id"] == "NCT99000001"


def test_demo_report_shows_findings_from_the_shipped_cc0_releases(
    demo_server: str, oncologist: dict[str, str]
) -> None:
    """serve --demo loads CIViC 01-Dec-2022 and CGI 2017 (CC0, demo/data/kb) with their licence."""
    report = httpx.get(
        f"{demo_server}/api/v1/patients/demo-002/report", headers=oncologist, timeout=120
    ).json()
    releases = {r["release_id"]: r for r in report["releases"]}
    assert set(releases) == {"civic@01-Dec-2022", "cgi@2017"}
    assert {r["licence"] for r in releases.values()} == {"CC0-1.0"}
    tier_one = next(t for t in report["tiers"] if t["tier"] == "Tier I")
    # CIViC "Lung Non-small Cell Carcinoma" evidence is on-label for LUAD (DOID -> OncoTree)
    assert any(
        row["alteration"] == "EGFR p.L858R"
        and row["on_label"]
        and "civic@01-Dec-2022" in row["releases"]
        for row in tier_one["rows"]
    )
    from oncoboard.demo.loader import demo_folder

    licence = (demo_folder() / "kb" / "LICENSE").read_text(encoding="utf-8")
    assert "CC0 1.0" in licence
