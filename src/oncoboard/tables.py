# SPDX-License-Identifier: Apache-2.0
"""Every capability's tables, collected so migrations see the whole schema."""

from __future__ import annotations

from oncoboard.dosing.models import DoseChangeRow, DoseProposalRow
from oncoboard.federation import models as federation_models
from oncoboard.governance.models import (
    ApiTokenRow,
    AuditHeadRow,
    AuditRow,
    ConsentEventRow,
    DecisionRow,
    LoginThrottleRow,
    RecommendationRow,
    SiteSecretRow,
    UserRoleRow,
    UserRow,
    WebSessionRow,
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
from oncoboard.portal.models import ReleasedDocumentRow
from oncoboard.prediction.models import (
    DriftReportRow,
    ModelAlertRow,
    ModelEventRow,
    ModelVersionRow,
)
from oncoboard.record.models import FactRow, PatientRow
from oncoboard.store.base import Base
from oncoboard.traceability.models import (
    CellTherapyAlertRow,
    CellTherapyCaseRow,
    CellTherapyEntryRow,
    CellTherapyIdentifierRow,
    SigningKeyRow,
)
from oncoboard.trials.models import CriterionOverrideRow, TrialRow, TrialVersionRow

metadata = Base.metadata

__all__ = [
    "AlertEventRow",
    "AlertRow",
    "ApiTokenRow",
    "AuditHeadRow",
    "AuditRow",
    "CellTherapyAlertRow",
    "CellTherapyCaseRow",
    "CellTherapyEntryRow",
    "CellTherapyIdentifierRow",
    "ConsentEventRow",
    "CriterionOverrideRow",
    "DecisionRow",
    "DoseChangeRow",
    "DoseProposalRow",
    "DriftReportRow",
    "FactRow",
    "ImportRow",
    "KbAssertionRow",
    "KbDroppedRow",
    "KbReleaseRow",
    "LoginThrottleRow",
    "ModelAlertRow",
    "ModelEventRow",
    "ModelVersionRow",
    "PatientRow",
    "ProAnswerRow",
    "ProEnrolmentRow",
    "ProGradeRow",
    "ProSubmissionRow",
    "RecommendationRow",
    "ReleasedDocumentRow",
    "SigningKeyRow",
    "SiteSecretRow",
    "TrialRow",
    "TrialVersionRow",
    "UserRoleRow",
    "UserRow",
    "WebSessionRow",
    "federation_models",
    "metadata",
]
