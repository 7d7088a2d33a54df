# SPDX-License-Identifier: Apache-2.0
"""Symptom monitoring: PRO-CTCAE surveys, their answers and grades, alert rules, alerts and the alert queue.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pro_enrolments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("questionnaire_id", sa.String(64), nullable=False),
        sa.Column("schedule_days", sa.Integer(), nullable=False),
        sa.Column("starts_at", _TS, nullable=False),
        sa.Column("ends_at", _TS),
        sa.Column("enrolled_by", sa.String(64), nullable=False),
        sa.Column("enrolled_at", _TS, nullable=False),
    )
    op.create_index("ix_pro_enrolments_patient_id", "pro_enrolments", ["patient_id"])
    op.create_table(
        "pro_submissions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("questionnaire_id", sa.String(64), nullable=False),
        sa.Column("questionnaire_version", sa.String(16), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("authored_at", _TS, nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("source_name", sa.String(512), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("locator", sa.String(200), nullable=False),
        sa.Column("urgent", sa.Boolean()),
        sa.Column("library_version", sa.String(64), nullable=False),
        sa.UniqueConstraint("patient_id", "idempotency_key", name="uq_pro_submissions_patient_key"),
    )
    op.create_index(
        "ix_pro_submissions_patient_authored", "pro_submissions", ["patient_id", "authored_at"]
    )
    op.create_table(
        "pro_answers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "submission_id", sa.String(36), sa.ForeignKey("pro_submissions.id"), nullable=False
        ),
        sa.Column("symptom", sa.String(64), nullable=False),
        sa.Column("attribute", sa.String(16), nullable=False),
        sa.Column("item_id", sa.String(32), nullable=False),
        sa.Column("value", sa.Integer()),
        sa.Column("missing_code", sa.String(32)),
        sa.UniqueConstraint("submission_id", "symptom", "attribute", name="uq_pro_answers_item"),
    )
    op.create_table(
        "pro_grades",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "submission_id", sa.String(36), sa.ForeignKey("pro_submissions.id"), nullable=False
        ),
        sa.Column("symptom", sa.String(64), nullable=False),
        sa.Column("grade", sa.Integer()),
        sa.Column("algorithm", sa.String(64), nullable=False),
        sa.UniqueConstraint("submission_id", "symptom", name="uq_pro_grades_symptom"),
    )
    op.create_table(
        "pro_alerts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("submission_id", sa.String(36), sa.ForeignKey("pro_submissions.id")),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("ruleset", sa.String(100), nullable=False),
        sa.Column("rule_type", sa.String(32), nullable=False),
        sa.Column("audience", sa.String(8), nullable=False),
        sa.Column("priority", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("triggers", sa.JSON(), nullable=False),
        sa.Column("trigger_key", sa.String(200), nullable=False),
        sa.Column("recommendation_id", sa.String(36), sa.ForeignKey("recommendations.id")),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("acted_at", _TS),
        sa.Column("escalated_at", _TS),
        sa.Column("escalation_due_at", _TS),
        sa.Column("patient_told_at", _TS),
        sa.Column("resolved_at", _TS),
        sa.Column("outcome", sa.String(32)),
        sa.UniqueConstraint("submission_id", "rule_id", name="uq_pro_alerts_submission_rule"),
        sa.UniqueConstraint("trigger_key", name="uq_pro_alerts_trigger_key"),
    )
    op.create_index("ix_pro_alerts_queue", "pro_alerts", ["status", "priority", "created_at"])
    op.create_index("ix_pro_alerts_patient", "pro_alerts", ["patient_id", "created_at"])
    op.create_table(
        "pro_alert_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(36), sa.ForeignKey("pro_alerts.id"), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("outcome", sa.String(32)),
    )
    op.create_index("ix_pro_alert_events_alert_id", "pro_alert_events", ["alert_id"])
    if op.get_bind().dialect.name == "postgresql":
        _append_only("pro_alert_events")


def _append_only(table: str) -> None:
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION oncoboard_refuse_change_{table}() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{table} is append-only: % refused', TG_OP;
        END;
        $$ LANGUAGE plpgsql;
        """
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION oncoboard_refuse_change_{table}()"
    )
    op.execute(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION oncoboard_refuse_change_{table}()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS pro_alert_events_append_only ON pro_alert_events")
        op.execute("DROP TRIGGER IF EXISTS pro_alert_events_no_truncate ON pro_alert_events")
        op.execute("DROP FUNCTION IF EXISTS oncoboard_refuse_change_pro_alert_events()")
    op.drop_index("ix_pro_alert_events_alert_id", table_name="pro_alert_events")
    op.drop_table("pro_alert_events")
    op.drop_index("ix_pro_alerts_patient", table_name="pro_alerts")
    op.drop_index("ix_pro_alerts_queue", table_name="pro_alerts")
    op.drop_table("pro_alerts")
    op.drop_table("pro_grades")
    op.drop_table("pro_answers")
    op.drop_index("ix_pro_submissions_patient_authored", table_name="pro_submissions")
    op.drop_table("pro_submissions")
    op.drop_index("ix_pro_enrolments_patient_id", table_name="pro_enrolments")
    op.drop_table("pro_enrolments")
