# SPDX-License-Identifier: Apache-2.0
"""Versioned knowledge base: immutable, content-hashed releases, their assertions, dropped rows.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_releases",
        sa.Column("release_id", sa.String(128), primary_key=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("release", sa.String(64), nullable=False),
        sa.Column("release_date", sa.Date()),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(512), nullable=False),
        sa.Column("reader", sa.String(64), nullable=False),
        sa.Column("licence", sa.String(64), nullable=False),
        sa.Column("notice", sa.Text()),
        sa.Column("genome_build", sa.String(8)),
        sa.Column("assertion_count", sa.Integer(), nullable=False),
        sa.Column("dropped_count", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(128), nullable=False),
    )
    op.create_table(
        "kb_assertions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "release_id", sa.String(128), sa.ForeignKey("kb_releases.release_id"), nullable=False
        ),
        sa.Column("assertion_id", sa.String(128), nullable=False),
        sa.Column("gene", sa.String(64)),
        sa.Column("rule_kind", sa.String(32), nullable=False),
        sa.Column("evidence_class", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.UniqueConstraint(
            "release_id", "assertion_id", name="uq_kb_assertions_release_assertion"
        ),
    )
    op.create_index("ix_kb_assertions_release_gene", "kb_assertions", ["release_id", "gene"])
    op.create_table(
        "kb_dropped",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "release_id", sa.String(128), sa.ForeignKey("kb_releases.release_id"), nullable=False
        ),
        sa.Column("locator", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
    )
    op.create_index("ix_kb_dropped_release_id", "kb_dropped", ["release_id"])


def downgrade() -> None:
    op.drop_index("ix_kb_dropped_release_id", table_name="kb_dropped")
    op.drop_table("kb_dropped")
    op.drop_index("ix_kb_assertions_release_gene", table_name="kb_assertions")
    op.drop_table("kb_assertions")
    op.drop_table("kb_releases")
