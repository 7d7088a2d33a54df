# SPDX-License-Identifier: Apache-2.0
"""Dose answers for every CTCAE term and symptom alerts grouped per submission and symptom.

- ``dose_proposals.action`` / ``dose_changes.action`` widen to 32 characters
  (``clinical_judgement``: the label has no row for the event).
- ``pro_alerts`` gains ``symptom`` and ``reasons`` (every rule that fired for that symptom in
  one submission); one alert per submission and symptom replaces one per submission and rule.
  Rows stored before keep their rule-per-alert shape (``symptom`` NULL).

Revision ID: 0010
Revises: 0008
"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def _alter(table: str, change: Callable[[BatchOperations], None]) -> None:
    """Alter ``table`` (batch mode: SQLite rebuilds the table, PostgreSQL runs ALTERs).

    SQLite's rebuild drops the old table after copying it; with foreign keys on (``store.db``
    turns them on) that DROP would orphan the rows pointing at it (alert events, dose changes)
    and the commit would fail. So on SQLite those rows are parked in a temporary table while the
    table is rebuilt and put back after: no row is ever orphaned or lost.
    """
    bind = op.get_bind()
    children: list[str] = []
    if bind.dialect.name == "sqlite":
        inspector = sa.inspect(bind)
        children = [
            name
            for name in inspector.get_table_names()
            if any(fk["referred_table"] == table for fk in inspector.get_foreign_keys(name))
        ]
    for child in children:
        op.execute(f'CREATE TEMP TABLE "_0010_{child}" AS SELECT * FROM "{child}"')
        op.execute(f'DELETE FROM "{child}"')
    with op.batch_alter_table(table) as batch:
        change(batch)
    for child in children:
        op.execute(f'INSERT INTO "{child}" SELECT * FROM "_0010_{child}"')
        op.execute(f'DROP TABLE "_0010_{child}"')


def _action(width: int, was: int) -> Callable[[BatchOperations], None]:
    def change(batch: BatchOperations) -> None:
        batch.alter_column(
            "action", existing_type=sa.String(was), type_=sa.String(width), existing_nullable=False
        )

    return change


def _grouped(batch: BatchOperations) -> None:
    batch.add_column(sa.Column("symptom", sa.String(64)))
    batch.add_column(sa.Column("reasons", sa.JSON()))
    batch.drop_constraint("uq_pro_alerts_submission_rule", type_="unique")
    batch.create_unique_constraint("uq_pro_alerts_submission_symptom", ["submission_id", "symptom"])


def _per_rule(batch: BatchOperations) -> None:
    batch.drop_constraint("uq_pro_alerts_submission_symptom", type_="unique")
    batch.create_unique_constraint("uq_pro_alerts_submission_rule", ["submission_id", "rule_id"])
    batch.drop_column("reasons")
    batch.drop_column("symptom")


def upgrade() -> None:
    for table in ("dose_changes", "dose_proposals"):  # children first: nothing points at them
        _alter(table, _action(32, was=16))
    _alter("pro_alerts", _grouped)


def downgrade() -> None:
    _alter("pro_alerts", _per_rule)
    for table in ("dose_changes", "dose_proposals"):
        _alter(table, _action(16, was=32))
