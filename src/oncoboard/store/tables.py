# SPDX-License-Identifier: Apache-2.0
"""Every capability's tables, collected so migrations see the whole schema."""

from __future__ import annotations

from oncoboard.governance.models import (
    ApiTokenRow,
    AuditHeadRow,
    AuditRow,
    ConsentEventRow,
    DecisionRow,
    RecommendationRow,
    UserRoleRow,
    UserRow,
)
from oncoboard.ingest.models import ImportRow
from oncoboard.knowledge.models import KbAssertionRow, KbDroppedRow, KbReleaseRow
from oncoboard.record.models import FactRow, PatientRow
from oncoboard.store.base import Base

metadata = Base.metadata

__all__ = [
    "ApiTokenRow",
    "AuditHeadRow",
    "AuditRow",
    "ConsentEventRow",
    "DecisionRow",
    "FactRow",
    "ImportRow",
    "KbAssertionRow",
    "KbDroppedRow",
    "KbReleaseRow",
    "PatientRow",
    "RecommendationRow",
    "UserRoleRow",
    "UserRow",
    "metadata",
]
