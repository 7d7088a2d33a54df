# SPDX-License-Identifier: Apache-2.0
"""Clinical-trial registry (versioned CT.gov records), structured eligibility criteria and trial screening.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trials",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("nct_id", sa.String(16), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("brief_title", sa.Text(), nullable=False),
        sa.Column("overall_status", sa.String(40)),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("screen", sa.JSON()),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.UniqueConstraint("nct_id", name="uq_trials_nct_id"),
    )
    op.create_table(
        "trial_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("trial_id", sa.Integer(), sa.ForeignKey("trials.id"), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("source_name", sa.String(256), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.UniqueConstraint("trial_id", "content_sha256", name="uq_trial_versions_content"),
    )
    op.create_index("ix_trial_versions_trial", "trial_versions", ["trial_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_trial_versions_trial", table_name="trial_versions")
    op.drop_table("trial_versions")
    op.drop_table("trials")
