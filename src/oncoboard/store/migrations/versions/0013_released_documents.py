# SPDX-License-Identifier: Apache-2.0
"""Patient portal: clinical documents released to the patient (frozen copies).

Revision ID: 0013
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "released_documents",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("released_by", sa.String(64), nullable=False),
        sa.Column("released_by_name", sa.String(200), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_by", sa.String(64)),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True)),
        sa.Column("withdrawn_reason", sa.Text()),
    )
    op.create_index(
        "ix_released_documents_patient", "released_documents", ["patient_id", "released_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_released_documents_patient", table_name="released_documents")
    op.drop_table("released_documents")
