# SPDX-License-Identifier: Apache-2.0
"""Publishing, listing, showing and diffing releases on SQLite and PostgreSQL; CLI and API."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from oncoboard.cli.main import app as cli_app
from oncoboard.errors import Conflict, InputError, NotFound, PermissionDenied
from oncoboard.governance.users import actor_for
from oncoboard.governance.vocabulary import Role
from oncoboard.knowledge import service
from oncoboard.knowledge.models import KbAssertionRow, KbDroppedRow, KbReleaseRow
from oncoboard.knowledge.schemas import PublishReport
from oncoboard.knowledge.sources import reader_for
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer, make_user
from tests.knowledge.test_moalmanac import INTERPRETER, LEGACY, ROW
from tests.support import shared_file

ADMIN = "kb-admin"


def kb_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.__tablename__: int(
                connection.scalar(select(func.count()).select_from(table)) or 0
            )
            for table in (KbReleaseRow, KbAssertionRow, KbDroppedRow)
        }


def publish(engine: Engine, path: Path, source: str = "moalmanac") -> PublishReport:
    with unit_of_work(engine) as session:
        actor = actor_for(session, ADMIN)
        access = service.authorize_import(session, actor, path.name)
        return service.publish(
            session=session, access=access, reader=reader_for(source), path=path, reader_name=source
        )


@pytest.fixture
def admin(engine: Engine) -> str:
    return make_user(engine, ADMIN, [Role.ADMIN])


@pytest.mark.shared
def test_publish_is_immutable_and_idempotent(engine: Engine, admin: str) -> None:
    first = publish(engine, shared_file(*LEGACY))
    assert first.status == "imported"
    assert first.release.release_id == "moalmanac@2025-12-26"
    # sha256sum ../shared/data/kb/moalmanac/molecular-oncology-almanac.json.gz (file bytes)
    assert first.release.sha256 == (
        "ffa3eac1216c7707b119fc1df3fc0a191ff29f1ffc09b49400b8df6b7117bfe6"
    )
    assert first.release.assertion_count == 997 and first.release.dropped_count == 21
    assert first.release.counts["records"] == 1018
    assert kb_counts(engine) == {"kb_releases": 1, "kb_assertions": 997, "kb_dropped": 21}
    again = publish(engine, shared_file(*LEGACY))
    assert again.status == "already imported"
    assert len(again.dropped) == 21
    assert kb_counts(engine) == {"kb_releases": 1, "kb_assertions": 997, "kb_dropped": 21}
    with unit_of_work(engine) as session:
        stored = session.scalars(
            select(KbAssertionRow).where(KbAssertionRow.assertion_id == "moalmanac:1")
        ).one()
        assert (stored.gene, stored.rule_kind, stored.evidence_class) == (
            "BCR", "fusion", "REGULATORY_APPROVAL",
        )  # fmt: skip
        assert stored.raw["therapy_name"] == "Bosutinib"
        assert stored.payload["therapy"]["name"] == "Bosutinib"


@pytest.mark.shared
def test_a_different_file_claiming_a_stored_release_is_a_conflict(
    engine: Engine, admin: str, tmp_path: Path
) -> None:
    publish(engine, shared_file(*LEGACY))
    rows = json.loads(gzip.decompress(shared_file(*LEGACY).read_bytes()))
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(rows[1:]), encoding="utf-8")  # still newest 2025-12-26
    with pytest.raises(Conflict, match="moalmanac@2025-12-26 is already stored"):
        publish(engine, altered)
    assert kb_counts(engine)["kb_assertions"] == 997


@pytest.mark.shared
def test_diff_interpreter_release_to_legacy_release(engine: Engine, admin: str) -> None:
    old = publish(engine, shared_file(*INTERPRETER), "moalmanac-interpreter")
    assert old.release.release_id == "moalmanac@2025-02-07"
    new = publish(engine, shared_file(*LEGACY))
    with unit_of_work(engine) as session:
        access = service.authorize_read(session, actor_for(session, ADMIN), "diff")
        result = service.diff(session=session, access=access, a="moalmanac@2025-02-07",
                              b="moalmanac@2025-12-26")  # fmt: skip
    # ids in the legacy file but not the interpreter's: sorted(set(L) - set(I)) -> 1008..1018;
    # none the other way; none of 1008..1018 is dropped
    assert [a.assertion_id for a in result.added] == [f"moalmanac:{n}" for n in range(1008, 1019)]
    assert result.removed == []
    taletrectinib = result.added[0]  # 1008: ROS1 rearrangement, taletrectinib, FDA-Approved
    assert (taletrectinib.gene, taletrectinib.therapy) == ("ROS1", "Taletrectinib")
    assert taletrectinib.notice is not None and "research use only" in taletrectinib.notice
    changed = {c.assertion_id: c.fields for c in result.changed}
    assert "therapy.name" in changed["moalmanac:106"]  # 'MK-2206' -> 'Akt Inhibitor MK2206'
    assert "references" in changed["moalmanac:36"]  # Vitrakvi label 2018 -> 2025
    assert len(result.changed) + result.unchanged == 986  # interpreter assertions kept
    # no patients are stored: evaluated for everyone the admin may see, nobody affected
    assert result.patients_affected.evaluated is True
    assert result.patients_affected.patients == []
    assert new.release.assertion_count - old.release.assertion_count == 11


def test_a_release_failing_qc_writes_nothing(engine: Engine, admin: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    bad = [ROW, {**ROW, "assertion_id": 2, "alternate_allele": "Z"}, {**ROW, "assertion_id": 3,
           "predictive_implication": "Tier 1"}]  # fmt: skip
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(InputError, match=r"refused: 2 problem\(s\); nothing was imported") as error:
        publish(engine, path)
    located = {(p.locator, p.field) for p in error.value.problems}
    assert located == {
        ("record 2 (assertion_id 2)", "alternate_allele"),
        ("record 3 (assertion_id 3)", "predictive_implication"),
    }
    assert kb_counts(engine) == {"kb_releases": 0, "kb_assertions": 0, "kb_dropped": 0}


def test_reads_are_gated_and_unknown_releases_are_not_found(engine: Engine, admin: str) -> None:
    make_user(engine, "nurse-1", [Role.NURSE])
    make_user(engine, "nobody", [])
    with unit_of_work(engine) as session:
        nurse = actor_for(session, "nurse-1")
        access = service.authorize_read(session, nurse, "list")
        assert service.list_releases(session=session, access=access) == []
        with pytest.raises(NotFound, match="'moalmanac@1999-01-01' not found"):
            service.get_release(session=session, access=access, release_id="moalmanac@1999-01-01")
    with pytest.raises(PermissionDenied), unit_of_work(engine) as session:
        service.authorize_import(session, actor_for(session, "nurse-1"), "x")
    with pytest.raises(PermissionDenied), unit_of_work(engine) as session:
        service.authorize_read(session, actor_for(session, "nobody"), "list")


@pytest.mark.shared
def test_cli_import_list_show_diff(engine: Engine, admin: str) -> None:
    url = engine.url.render_as_string(hide_password=False)

    def kb(*args: str) -> str:
        result = CliRunner().invoke(cli_app, ["--database-url", url, "--user", ADMIN, "kb", *args])
        assert result.exit_code == 0, result.output
        return result.output

    out = kb("import", str(shared_file(*LEGACY)), "--source", "moalmanac")
    assert "imported moalmanac@2025-12-26: 997 assertions, 21 dropped" in out
    assert "research use only" in out
    assert "dropped record 742 (assertion_id 742): gene 'HIF1a'" in out
    assert "already imported" in kb("import", str(shared_file(*LEGACY)), "--source", "moalmanac")
    kb("import", str(shared_file(*INTERPRETER)), "--source", "moalmanac-interpreter")
    listed = json.loads(kb("list", "--json"))
    assert {r["release_id"] for r in listed} == {"moalmanac@2025-12-26", "moalmanac@2025-02-07"}
    shown = json.loads(kb("show", "moalmanac@2025-12-26", "--dropped", "--json"))
    assert len(shown["dropped"]) == 21 and shown["provenance"]["imported_by"] == ADMIN
    diff = kb("diff", "moalmanac@2025-02-07", "moalmanac@2025-12-26")
    assert "11 added, 0 removed" in diff
    line = next(x for x in diff.splitlines() if x.startswith("+ moalmanac:1018"))
    assert line.split()[2:4] == ["NPM1", "protein"]  # NPM1 p.W288Cfs*12, revumenib
    assert "patients affected: 0 of 0 patients" in diff  # none stored


@pytest.mark.shared
def test_api_lists_shows_and_diffs_releases(
    engine: Engine, admin: str, live_server: LiveServer
) -> None:
    publish(engine, shared_file(*INTERPRETER), "moalmanac-interpreter")
    publish(engine, shared_file(*LEGACY))
    with live_server.client() as client:  # a clinician: may read the knowledge base
        releases = client.get("/api/v1/kb/releases")
        assert releases.status_code == 200, releases.text
        assert [r["release_id"] for r in releases.json()] == [
            "moalmanac@2025-12-26", "moalmanac@2025-02-07",
        ]  # fmt: skip
        detail = client.get("/api/v1/kb/releases/moalmanac@2025-12-26").json()
        assert detail["release"]["notice"].startswith("MOAlmanac data: For research use only")
        assert len(detail["dropped"]) == 21
        diff = client.get(
            "/api/v1/kb/diff", params={"a": "moalmanac@2025-02-07", "b": "moalmanac@2025-12-26"}
        ).json()
        assert len(diff["added"]) == 11 and diff["removed"] == []
        missing = client.get("/api/v1/kb/releases/civic@1999")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"


@pytest.mark.shared
def test_regulatory_folder_publishes_as_its_own_release(engine: Engine, admin: str) -> None:
    report = publish(engine, shared_file("kb", "moalmanac", "referenced"), "moalmanac-regulatory")
    assert report.release.release_id == "moalmanac-regulatory@2026-05-07"
    assert report.release.assertion_count == 1944
    assert report.release.notice is not None and "research use only" in report.release.notice
    again = publish(engine, shared_file("kb", "moalmanac", "referenced"), "moalmanac-regulatory")
    assert again.status == "already imported"
    assert kb_counts(engine) == {"kb_releases": 1, "kb_assertions": 1944, "kb_dropped": 0}
