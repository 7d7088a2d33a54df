# SPDX-License-Identifier: Apache-2.0
"""Cell-therapy chain of identity: cases, append-only hash-chained batch record, label
identifiers, alerts and Ed25519 signing keys.

Revision ID: 0015
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "celltherapy_cases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("coi", sa.String(15), nullable=False, unique=True),
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("product", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("last_step", sa.String(32)),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("opened_at", _TS, nullable=False),
        sa.Column("opened_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_celltherapy_cases_patient", "celltherapy_cases", ["patient_id"])
    op.create_table(
        "celltherapy_record",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("celltherapy_cases.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("step", sa.String(32)),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128)),
        sa.UniqueConstraint("case_id", "seq", name="uq_celltherapy_record_case_seq"),
    )
    op.create_table(
        "celltherapy_identifiers",
        sa.Column("value", sa.String(200), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("celltherapy_cases.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
    )
    op.create_table(
        "celltherapy_alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("celltherapy_cases.id"), nullable=False),
        sa.Column("entry_seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raised_at", _TS, nullable=False),
        sa.Column("raised_by", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("acknowledged_by", sa.String(64)),
        sa.Column("acknowledged_at", _TS),
        sa.Column("note", sa.Text()),
    )
    op.create_index("ix_celltherapy_alerts_status", "celltherapy_alerts", ["status", "raised_at"])
    op.create_table(
        "celltherapy_signing_keys",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("encrypted_private_key", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("retired_at", _TS),
    )
    op.create_index(
        "ix_celltherapy_signing_keys_user", "celltherapy_signing_keys", ["username", "id"]
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    # the batch record is append-only in the database too (21 CFR 11.10(e)); the hash chain
    # detects what a database superuser could still do
    table = "celltherapy_record"
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION oncoboard_refuse_change_{table}() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{table} is append-only: % refused', TG_OP;
        END;
        $$ LANGUAGE plpgsql;
        """
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION oncoboard_refuse_change_{table}()"
    )
    op.execute(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION oncoboard_refuse_change_{table}()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS celltherapy_record_append_only ON celltherapy_record")
        op.execute("DROP TRIGGER IF EXISTS celltherapy_record_no_truncate ON celltherapy_record")
        op.execute("DROP FUNCTION IF EXISTS oncoboard_refuse_change_celltherapy_record()")
    op.drop_index("ix_celltherapy_signing_keys_user", table_name="celltherapy_signing_keys")
    op.drop_table("celltherapy_signing_keys")
    op.drop_index("ix_celltherapy_alerts_status", table_name="celltherapy_alerts")
    op.drop_table("celltherapy_alerts")
    op.drop_table("celltherapy_identifiers")
    op.drop_table("celltherapy_record")
    op.drop_index("ix_celltherapy_cases_patient", table_name="celltherapy_cases")
    op.drop_table("celltherapy_cases")
