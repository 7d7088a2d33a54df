# SPDX-License-Identifier: Apache-2.0
"""``oncoboard pro import``: FHIR R4 QuestionnaireResponse and CSV; all-or-nothing, idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from oncoboard.cli.main import app as cli_app
from oncoboard.errors import Conflict, InputError
from oncoboard.governance import users
from oncoboard.governance.vocabulary import Role
from oncoboard.monitoring import imports
from oncoboard.monitoring.config import MonitoringConfig
from oncoboard.store.db import unit_of_work
from tests.monitoring.conftest import make, pro_counts

HEADER = ("patient_id,submission_id,questionnaire_id,authored_at,urgent,hand_foot_syndrome.severity,"
          "diarrhea.frequency,nausea.frequency,nausea.severity,mouth_or_throat_sores.severity,"
          "mouth_or_throat_sores.interference\n")  # fmt: skip
GOOD_CSV = HEADER + (
    "PT-A,exp-1,capecitabine,2026-03-02T09:00:00Z,no,1,0,0,,0,\n"
    "PT-A,exp-2,capecitabine,2026-03-09T09:00:00+01:00,yes,3,2,1,1,0,\n"
    "PT-B,exp-3,capecitabine,2026-03-09T10:00:00Z,,0,0,0,,2,1\n"
)


def _qr(
    ident: str, patient: str, items: list[dict[str, object]], **extra: object
) -> dict[str, object]:
    return {"resourceType": "QuestionnaireResponse", "id": ident, "status": "completed",
            "questionnaire": "https://oncoboard.example/Questionnaire/capecitabine|1",
            "subject": {"reference": f"Patient/{patient}"}, "authored": "2026-03-02T09:00:00Z",
            "identifier": {"value": f"ext-{ident}"}, "item": items, **extra}  # fmt: skip


def _item(link: str, value: int) -> dict[str, object]:
    return {"linkId": link, "answer": [{"valueInteger": value}]}


CAPE_ITEMS = [_item("hand_foot_syndrome.severity", 4), _item("diarrhea.frequency", 0),
              _item("nausea.frequency", 0), _item("mouth_or_throat_sores.severity", 0),
              {"linkId": "urgent", "answer": [{"valueBoolean": True}]}]  # fmt: skip


def _bundle(*resources: dict[str, object]) -> str:
    return json.dumps({"resourceType": "Bundle", "type": "collection",
                       "entry": [{"resource": r} for r in resources]})  # fmt: skip


@pytest.fixture
def importer(engine: Engine, patients: list[str]) -> str:
    make(engine, "nurse", [Role.NURSE])
    return "nurse"


def _run(engine: Engine, config: MonitoringConfig, path: Path):  # type: ignore[no-untyped-def]
    with unit_of_work(engine) as session:
        return imports.import_file(
            session, actor=users.actor_for(session, "nurse"), config=config, path=path
        )


def test_csv_import_is_idempotent(
    engine: Engine, config: MonitoringConfig, importer: str, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(GOOD_CSV)
    first = _run(engine, config, path)
    assert (first.format, first.created, first.unchanged) == ("csv", 3, 0)
    # line 3: hand-foot 1 -> 3 (severe answer, composite 3, worsening), diarrhoea 0 -> 2
    # (worsening), urgent yes: one queue item per symptom, "urgent" joins both
    assert first.alerts == 2
    counts = pro_counts(engine)
    again = _run(engine, config, path)
    assert (again.created, again.unchanged) == (0, 3)
    assert pro_counts(engine) == counts


def test_fhir_bundle_import(
    engine: Engine, config: MonitoringConfig, importer: str, tmp_path: Path
) -> None:
    path = tmp_path / "qr.json"
    path.write_text(_bundle(_qr("a1", "PT-A", CAPE_ITEMS)))
    report = _run(engine, config, path)
    assert (report.format, report.created) == ("fhir", 1)
    with unit_of_work(engine) as session:
        from oncoboard.monitoring.models import ProSubmissionRow

        row = session.get(ProSubmissionRow, report.submission_ids[0])
        assert row is not None
        assert (row.idempotency_key, row.channel, row.urgent) == ("ext-a1", "fhir", True)
        assert row.locator == "entry 1 (QuestionnaireResponse/a1)" and row.source_name == "qr.json"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("bad.csv", GOOD_CSV.replace("PT-B,exp-3,capecitabine,2026-03-09T10:00:00Z,,0,0,0,,2,1",
                     "PT-B,exp-3,capecitabine,2026-03-09T10:00:00Z,,0,0,0,2,2,1"),
                     r"line 4: nausea.severity: expected no answer", id="csv-branching"),
        pytest.param("bad.csv", GOOD_CSV.replace("no,1,0,0,,0,", "no,7,0,0,,0,"),
                     r"line 2: hand_foot_syndrome.severity: expected an integer 0-4", id="csv-scale"),
        pytest.param("bad.csv", GOOD_CSV.replace("PT-B", "PT-Z"), r"line 4: patient_id", id="csv-patient"),
        pytest.param("bad.csv", GOOD_CSV.replace("2026-03-02T09:00:00Z", "2026-03-02 09:00"),
                     r"line 2: authored_at", id="csv-naive-time"),
        pytest.param("bad.csv", "patient_id,questionnaire_id\nPT-A,capecitabine\n",
                     r"line 1: submission_id", id="csv-header"),
        pytest.param("bad.json", _bundle(_qr("b1", "PT-A", CAPE_ITEMS, status="in-progress")),
                     r"entry 1 \(QuestionnaireResponse/b1\): status", id="fhir-status"),
        pytest.param("bad.json", _bundle(_qr("b2", "PT-A", CAPE_ITEMS, authored="yesterday")),
                     r"entry 1 \(QuestionnaireResponse/b2\): QuestionnaireResponse.authored", id="fhir-invalid"),
        pytest.param("bad.json", _bundle(_qr("b3", "PT-A", [*CAPE_ITEMS, _item("nausea.severity", 1)])),
                     r"entry 1 \(QuestionnaireResponse/b3\): nausea.severity: expected no answer", id="fhir-branching"),
        pytest.param("bad.json", '{"resourceType": "Patient"}', r"QuestionnaireResponse or a Bundle", id="fhir-type"),
        pytest.param("bad.json", "{not json", r"line 1: \(file\)", id="fhir-json"),
    ],
)  # fmt: skip
def test_bad_input_is_located_and_nothing_is_written(
    engine: Engine,
    config: MonitoringConfig,
    importer: str,
    tmp_path: Path,
    name: str,
    content: str,
    message: str,
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        _run(engine, config, path)
    assert set(pro_counts(engine).values()) == {0}


def test_a_reused_key_with_other_content_rolls_back_the_whole_file(
    engine: Engine, config: MonitoringConfig, importer: str, tmp_path: Path
) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(GOOD_CSV + "PT-A,exp-1,capecitabine,2026-03-02T09:00:00Z,no,2,0,0,,0,\n")
    with pytest.raises(Conflict, match="exp-1"):
        _run(engine, config, path)
    assert set(pro_counts(engine).values()) == {0}


def test_cli_pro_import_and_alerts_commands(engine: Engine, importer: str, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(GOOD_CSV)
    url = engine.url.render_as_string(hide_password=False)
    base = ["--database-url", url, "--user", "nurse"]
    done = CliRunner().invoke(cli_app, [*base, "pro", "import", str(path), "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["created"] == 3
    listed = CliRunner().invoke(cli_app, [*base, "alerts", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    items = json.loads(listed.output)["items"]
    assert items and items[0]["priority"] == "high"
    alert_id = items[0]["alert_id"]
    ack = CliRunner().invoke(cli_app, [*base, "alerts", "ack", alert_id, "--json"])
    assert json.loads(ack.output)["status"] == "acknowledged"
    esc = CliRunner().invoke(
        cli_app, [*base, "alerts", "escalate", alert_id, "--note", "needs review"]
    )
    assert esc.exit_code == 0, esc.output
    res = CliRunner().invoke(
        cli_app, [*base, "alerts", "resolve", alert_id, "--outcome", "visit_scheduled", "--json"]
    )
    assert json.loads(res.output)["outcome"] == "visit_scheduled"
    make(engine, "ops", [Role.ADMIN])
    swept = CliRunner().invoke(cli_app, ["--database-url", url, "--user", "ops", "alerts", "sweep", "--json",
                                         "--now", "2030-01-01T00:00:00"])  # fmt: skip
    assert swept.exit_code == 0, swept.output
    assert json.loads(swept.output)["escalated"] >= 1
