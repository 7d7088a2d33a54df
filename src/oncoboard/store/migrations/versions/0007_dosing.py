# SPDX-License-Identifier: Apache-2.0
"""Label-based dose modification: dose-change proposals, occurrence counting and approved doses.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dose_proposals",
        sa.Column(
            "recommendation_id",
            sa.String(36),
            sa.ForeignKey("recommendations.id"),
            primary_key=True,
        ),
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("drug", sa.String(64), nullable=False),
        sa.Column("indication", sa.String(64), nullable=False),
        sa.Column("ae_term", sa.String(128), nullable=False),
        sa.Column("occurrence_key", sa.String(160), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("grade_source", sa.String(32), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("next_level", sa.Integer()),
        sa.Column("next_dose", sa.String(200)),
        sa.Column("treatment_fact_id", sa.Integer()),
        sa.Column("treatment_name", sa.String(256), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_dose_proposals_patient", "dose_proposals", ["patient_id", "created_at"])
    op.create_table(
        "dose_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "recommendation_id",
            sa.String(36),
            sa.ForeignKey("dose_proposals.recommendation_id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("drug", sa.String(64), nullable=False),
        sa.Column("indication", sa.String(64), nullable=False),
        sa.Column("ae_term", sa.String(128), nullable=False),
        sa.Column("occurrence_key", sa.String(160), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("grade_source", sa.String(32), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("level", sa.Integer()),
        sa.Column("dose", sa.Text(), nullable=False),
        sa.Column("treatment_fact_id", sa.Integer()),
        sa.Column("treatment_name", sa.String(256), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_dose_changes_patient_drug", "dose_changes", ["patient_id", "drug", "id"])


def downgrade() -> None:
    op.drop_index("ix_dose_changes_patient_drug", table_name="dose_changes")
    op.drop_table("dose_changes")
    op.drop_index("ix_dose_proposals_patient", table_name="dose_proposals")
    op.drop_table("dose_proposals")
