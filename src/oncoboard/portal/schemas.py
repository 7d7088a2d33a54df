# SPDX-License-Identifier: Apache-2.0
"""What the patient's home shows: their reports with the care team's follow-up, released
documents, and how to reach the care team."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

# no alert: the answers crossed no alert rule; waiting: an alert is with the care team;
# seen: a nurse or clinician acted on it; closed: the alert was resolved
FollowUp = Literal["no_alert", "waiting", "seen", "closed"]


class MyReport(BaseModel):
    """One of the patient's symptom reports and what became of it."""

    model_config = ConfigDict(frozen=True)
    submission_id: str
    questionnaire: str
    received_at: datetime
    urgent: bool | None
    follow_up: FollowUp
    follow_up_at: datetime | None


class ReleasedDocument(BaseModel):
    """A clinical document the care team released to the patient (a frozen copy)."""

    model_config = ConfigDict(frozen=True)
    document_id: str
    patient_id: str
    kind: str
    title: str
    content_sha256: str
    note: str | None
    released_by: str
    released_by_name: str
    released_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawn_reason: str | None


class CareTeamContact(BaseModel):
    """How the patient reaches the care team (site configuration: ``ONCOBOARD_PRO_SITE_PHONE``)."""

    model_config = ConfigDict(frozen=True)
    phone: str | None
    clinicians: list[str]
