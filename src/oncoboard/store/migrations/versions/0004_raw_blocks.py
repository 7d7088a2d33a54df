# SPDX-License-Identifier: Apache-2.0
"""Raw source records stored compressed in blocks shared by consecutive facts.

A 100k-record VEP VCF carried ~360 MB of raw text in ``facts.raw``; SQLite wrote it twice (WAL,
then the checkpoint at commit). Existing facts keep their inline ``raw``; new imports point
into ``raw_blocks``. No foreign key on ``facts.raw_block`` so SQLite can add the column in place
instead of rebuilding the facts table.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "raw_blocks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("import_id", sa.String(36), sa.ForeignKey("imports.id"), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_raw_blocks_import_id", "raw_blocks", ["import_id"])
    op.add_column("facts", sa.Column("raw_block", sa.Integer()))
    op.add_column("facts", sa.Column("raw_index", sa.Integer()))


def downgrade() -> None:
    with op.batch_alter_table("facts") as batch:
        batch.drop_column("raw_index")
        batch.drop_column("raw_block")
    op.drop_index("ix_raw_blocks_import_id", table_name="raw_blocks")
    op.drop_table("raw_blocks")
