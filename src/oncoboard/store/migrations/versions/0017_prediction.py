# SPDX-License-Identifier: Apache-2.0
"""Learned models: registry versions, version history, drift reports and drift alerts.

Revision ID: 0017
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("plan_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("artefact", sa.Text(), nullable=False),
        sa.Column("artefact_sha256", sa.String(64), nullable=False),
        sa.Column("data_sha256", sa.String(64), nullable=False),
        sa.Column("code_version", sa.String(128), nullable=False),
        sa.Column("validation", sa.JSON(), nullable=False),
        sa.Column("plan_check", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("promoted_by", sa.String(64)),
        sa.Column("promoted_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("name", "version", name="uq_model_versions_name_version"),
    )
    op.create_table(
        "model_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(80), sa.ForeignKey("model_versions.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_model_events_model", "model_events", ["model_id", "id"])
    op.create_table(
        "model_drift_reports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(80), sa.ForeignKey("model_versions.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("data_name", sa.String(256), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
    )
    op.create_index("ix_model_drift_reports_model", "model_drift_reports", ["model_id", "id"])
    op.create_table(
        "model_alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(80), sa.ForeignKey("model_versions.id"), nullable=False),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("model_drift_reports.id")),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by", sa.String(64)),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_model_alerts_status", "model_alerts", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_model_alerts_status", table_name="model_alerts")
    op.drop_table("model_alerts")
    op.drop_index("ix_model_drift_reports_model", table_name="model_drift_reports")
    op.drop_table("model_drift_reports")
    op.drop_index("ix_model_events_model", table_name="model_events")
    op.drop_table("model_events")
    op.drop_table("model_versions")
