# SPDX-License-Identifier: Apache-2.0
"""Every capability's tables, collected so migrations see the whole schema."""

from __future__ import annotations

from oncoboard.dosing.models import DoseChangeRow, DoseProposalRow
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
from oncoboard.monitoring.models import (
    AlertEventRow,
    AlertRow,
    ProAnswerRow,
    ProEnrolmentRow,
    ProGradeRow,
    ProSubmissionRow,
)
from oncoboard.prediction.models import (
    DriftReportRow,
    ModelAlertRow,
    ModelEventRow,
    ModelVersionRow,
)
from oncoboard.record.models import FactRow, PatientRow
from oncoboard.store.base import Base
from oncoboard.trials.models import TrialRow, TrialVersionRow

metadata = Base.metadata

__all__ = [
    "AlertEventRow",
    "AlertRow",
    "ApiTokenRow",
    "AuditHeadRow",
    "AuditRow",
    "ConsentEventRow",
    "DecisionRow",
    "DoseChangeRow",
    "DoseProposalRow",
    "DriftReportRow",
    "FactRow",
    "ImportRow",
    "KbAssertionRow",
    "KbDroppedRow",
    "KbReleaseRow",
    "ModelAlertRow",
    "ModelEventRow",
    "ModelVersionRow",
    "PatientRow",
    "ProAnswerRow",
    "ProEnrolmentRow",
    "ProGradeRow",
    "ProSubmissionRow",
    "RecommendationRow",
    "TrialRow",
    "TrialVersionRow",
    "UserRoleRow",
    "UserRow",
    "metadata",
]
