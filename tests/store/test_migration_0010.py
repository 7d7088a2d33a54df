# SPDX-License-Identifier: Apache-2.0
"""Migration 0010 on a SQLite database that already holds dose changes and alerts with events:
the tables SQLite rebuilds keep every row, and the rows that point at them still resolve."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from oncoboard.store.db import make_engine
from oncoboard.store.migrate import alembic_config, current_revision, head_revision, upgrade

NOW = "2026-10-01 09:00:00"


def test_upgrade_from_0008_keeps_dose_changes_and_alerts(tmp_path: Path) -> None:
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0008")
    rows = [
        "INSERT INTO patients (id, external_id, created_at) VALUES (1, 'PT-OLD', :now)",
        "INSERT INTO recommendations (id, patient_id, kind, payload, created_at) VALUES "
        "('rec-1', 1, 'dose_change', '{}', :now), ('rec-2', 1, 'alert', '{}', :now)",
        "INSERT INTO dose_proposals (recommendation_id, patient_id, drug, indication, ae_term,"
        " occurrence_key, grade, grade_source, action, treatment_name, payload, created_at)"
        " VALUES ('rec-1', 1, 'capecitabine', '1250', 'Diarrhea', 'Diarrhea|grade 2', 2,"
        " 'clinician', 'hold', 'capecitabine', '{}', :now)",
        "INSERT INTO dose_changes (recommendation_id, patient_id, drug, indication, ae_term,"
        " occurrence_key, grade, grade_source, action, level, dose, treatment_name, outcome,"
        " decided_by, decided_at) VALUES ('rec-1', 1, 'capecitabine', '1250', 'Diarrhea',"
        " 'Diarrhea|grade 2', 2, 'clinician', 'hold', 0, 'hold', 'capecitabine', 'accept',"
        " 'dr', :now)",
        "INSERT INTO pro_submissions (id, patient_id, questionnaire_id, questionnaire_version,"
        " idempotency_key, content_sha256, authored_at, received_at, submitted_by, channel,"
        " source_name, source_sha256, locator, library_version) VALUES ('sub-1', 1,"
        " 'capecitabine', '1', 'k', 'h', :now, :now, 'ana', 'api', 'api', 'h', 'body', 'v')",
        "INSERT INTO pro_alerts (id, patient_id, submission_id, rule_id, rule_version, ruleset,"
        " rule_type, audience, priority, status, summary, triggers, trigger_key,"
        " recommendation_id, created_at, due_at) VALUES ('al-1', 1, 'sub-1', 'severe-answer',"
        " 1, 'default@1', 'threshold', 'staff', 'high', 'open', 's', '[]', 'sub-1:severe-answer',"
        " 'rec-2', :now, :now), ('al-2', 1, 'sub-1', 'composite-grade', 1, 'default@1',"
        " 'composite', 'staff', 'normal', 'open', 's', '[]', 'sub-1:composite-grade', NULL,"
        " :now, :now)",
        "INSERT INTO pro_alert_events (alert_id, kind, at, actor) VALUES ('al-1', 'created',"
        " :now, 'system'), ('al-2', 'created', :now, 'system')",
    ]
    with engine.begin() as connection:
        for statement in rows:
            connection.execute(text(statement), {"now": NOW})
    assert upgrade(engine) == head_revision() == current_revision(engine)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT action FROM dose_changes")) == "hold"
        assert connection.scalar(text("SELECT count(*) FROM pro_alerts")) == 2
        assert connection.scalar(text("SELECT count(*) FROM pro_alerts WHERE symptom IS NULL")) == 2
        joined = connection.scalar(
            text("SELECT count(*) FROM pro_alert_events e JOIN pro_alerts a ON a.id = e.alert_id")
        )
        assert joined == 2
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")  # and back: nothing lost either way
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM pro_alert_events")) == 2
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
    assert upgrade(engine) == head_revision()
