# SPDX-License-Identifier: Apache-2.0
"""Index variants by gene within a patient, for the paged, gene-filtered variant table.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_facts_patient_kind_gene", "facts", ["patient_id", "kind", "gene", "id"])


def downgrade() -> None:
    op.drop_index("ix_facts_patient_kind_gene", table_name="facts")
