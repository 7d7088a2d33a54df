# SPDX-License-Identifier: Apache-2.0
"""Patient record and import ledger.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("external_id", name="uq_patients_external_id"),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("source_name", sa.String(512), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("source_format", sa.String(32), nullable=False),
        sa.Column("importer", sa.String(64), nullable=False),
        sa.Column("importer_version", sa.String(32), nullable=False),
        sa.Column("options_key", sa.String(256), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(128)),
        sa.Column("fact_counts", sa.JSON(), nullable=False),
        sa.Column("patients", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.UniqueConstraint("source_sha256", "importer", "options_key", name="uq_imports_content"),
    )
    op.create_table(
        "facts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("import_id", sa.String(36), sa.ForeignKey("imports.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("genome_build", sa.String(8)),
        sa.Column("gene", sa.String(64)),
        sa.Column("effective", sa.String(40)),
        sa.Column("locator", sa.String(200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("raw", sa.Text()),
    )
    op.create_index("ix_facts_import_id", "facts", ["import_id"])
    op.create_index("ix_facts_patient_kind", "facts", ["patient_id", "kind", "id"])


def downgrade() -> None:
    op.drop_table("facts")
    op.drop_table("imports")
    op.drop_table("patients")
