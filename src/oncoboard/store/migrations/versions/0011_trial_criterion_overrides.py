# SPDX-License-Identifier: Apache-2.0
"""Clinician overrides of single trial criteria (issue #15): recorded decisions with reason.

Revision ID: 0011
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trial_criterion_overrides",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.String(128), nullable=False),
        sa.Column("nct_id", sa.String(16), nullable=False),
        sa.Column("trial_version", sa.String(32), nullable=False),
        sa.Column("criterion_id", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reader_state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_trial_overrides_patient",
        "trial_criterion_overrides",
        ["patient_id", "nct_id", "criterion_id", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_trial_overrides_patient", table_name="trial_criterion_overrides")
    op.drop_table("trial_criterion_overrides")
