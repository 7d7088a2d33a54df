# SPDX-License-Identifier: Apache-2.0
"""Federated counts: a covering index for each patient's latest consent event per purpose.

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_consent_purpose_patient_latest",
        "consent_events",
        ["purpose", "patient_id", "id", "status"],
    )


def downgrade() -> None:
    op.drop_index("ix_consent_purpose_patient_latest", table_name="consent_events")
