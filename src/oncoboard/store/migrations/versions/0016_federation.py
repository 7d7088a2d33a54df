# SPDX-License-Identifier: Apache-2.0
"""Federated research: the research index, site policy, released exact answers, privacy
budget spending, peers (coordinators) and their nonces, the site's signing key, and the
coordinator's sites.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def _patient() -> sa.Column:
    return sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patients.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "federation_indexed_imports",
        sa.Column("import_id", sa.String(36), sa.ForeignKey("imports.id"), primary_key=True),
        sa.Column("indexed_at", _TS, nullable=False),
    )
    op.create_table(
        "federation_individuals",
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patients.id"), primary_key=True),
        sa.Column("sex", sa.String(16)),
        sa.Column("birth_date", sa.Date()),
        sa.Column("age_years", sa.Integer()),
        sa.Column("indexed_at", _TS, nullable=False),
    )
    op.create_index(
        "ix_federation_individuals_sex", "federation_individuals", ["sex", "patient_id"]
    )
    op.create_table(
        "federation_diagnoses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _patient(),
        sa.Column("oncotree_code", sa.String(32), nullable=False),
        sa.Column("stage", sa.String(8)),
        sa.Column("stage_group", sa.String(4)),
    )
    op.create_index(
        "ix_federation_diagnoses_code",
        "federation_diagnoses",
        ["oncotree_code", "stage_group", "patient_id"],
    )
    op.create_index("ix_federation_diagnoses_patient", "federation_diagnoses", ["patient_id"])
    op.create_table(
        "federation_treatments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _patient(),
        sa.Column("treatment_class", sa.String(48), nullable=False),
    )
    op.create_index(
        "ix_federation_treatments_class",
        "federation_treatments",
        ["treatment_class", "patient_id"],
    )
    op.create_index("ix_federation_treatments_patient", "federation_treatments", ["patient_id"])
    op.create_table(
        "federation_variants",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _patient(),
        sa.Column("genome_build", sa.String(8), nullable=False),
        sa.Column("chrom", sa.String(16)),
        sa.Column("pos", sa.Integer()),
        sa.Column("ref", sa.String(200)),
        sa.Column("alt", sa.String(200)),
        sa.Column("gene", sa.String(64)),
        sa.Column("protein", sa.String(64)),
        sa.Column("origin", sa.String(16), nullable=False),
    )
    op.create_index(
        "ix_federation_variants_gene", "federation_variants", ["gene", "protein", "patient_id"]
    )
    op.create_index(
        "ix_federation_variants_locus",
        "federation_variants",
        ["genome_build", "chrom", "pos", "patient_id"],
    )
    op.create_index("ix_federation_variants_patient", "federation_variants", ["patient_id"])
    op.create_table(
        "federation_policy",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("site_name", sa.String(128), nullable=False),
        sa.Column("beacon_id", sa.String(128), nullable=False),
        sa.Column("min_count", sa.Integer(), nullable=False),
        sa.Column("dp_enabled", sa.Boolean(), nullable=False),
        sa.Column("epsilon_per_query", sa.Float(), nullable=False),
        sa.Column("epsilon_budget", sa.Float(), nullable=False),
        sa.Column("budget_window_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "federation_answers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("researcher", sa.String(64), nullable=False),
        sa.Column("entry_type", sa.String(16), nullable=False),
        sa.Column("query_key", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("members", sa.LargeBinary(), nullable=False),
        sa.Column("members_sha256", sa.String(64), nullable=False),
    )
    op.create_index("ix_federation_answers_count", "federation_answers", ["count"])
    op.create_table(
        "federation_privacy_spend",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("researcher", sa.String(64), nullable=False),
        sa.Column("epsilon", sa.Float(), nullable=False),
        sa.Column("entry_type", sa.String(16), nullable=False),
        sa.Column("query_key", sa.String(64), nullable=False),
    )
    op.create_index(
        "ix_federation_privacy_spend_researcher",
        "federation_privacy_spend",
        ["researcher", "at"],
    )
    op.create_table(
        "federation_peers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("key_id", sa.String(32), nullable=False, unique=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("revoked_at", _TS),
        sa.Column("last_used_at", _TS),
    )
    op.create_table(
        "federation_nonces",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("seen_at", _TS, nullable=False),
    )
    op.create_index("ix_federation_nonces_seen", "federation_nonces", ["seen_at"])
    op.create_table(
        "federation_site_identity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("encrypted_private_key", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "federation_sites",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("base_url", sa.String(512), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("site_public_key", sa.String(64), nullable=False),
        sa.Column("encrypted_private_key", sa.Text(), nullable=False),
        sa.Column("timeout_s", sa.Float(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("added_at", _TS, nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("last_checked_at", _TS),
        sa.Column("last_status", sa.String(16)),
        sa.Column("last_error", sa.Text()),
        sa.Column("catalogue", sa.JSON()),
    )


def downgrade() -> None:
    for table in (
        "federation_sites",
        "federation_site_identity",
        "federation_nonces",
        "federation_peers",
        "federation_privacy_spend",
        "federation_answers",
        "federation_policy",
        "federation_variants",
        "federation_treatments",
        "federation_diagnoses",
        "federation_individuals",
        "federation_indexed_imports",
    ):
        op.drop_table(table)
