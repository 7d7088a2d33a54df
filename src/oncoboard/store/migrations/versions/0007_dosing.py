# SPDX-License-Identifier: Apache-2.0
"""Label-based dose modification: dose-change proposals, occurrence counting and approved doses.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
