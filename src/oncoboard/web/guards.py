# SPDX-License-Identifier: Apache-2.0
"""Pages for the care team only: a patient's own view is their home, not the staff record."""

from __future__ import annotations

from fastapi import Depends

from oncoboard.errors import PermissionDenied
from oncoboard.governance.http import ActorDep

FOR_CARE_TEAM = (
    "This page is for your care team. What your care team has shared with you, your symptom "
    "reports, your consents and who opened your record are on your home page."
)


async def care_team_only(actor: ActorDep) -> None:
    """Staff pages (genomics, the tumour-board report, trial criteria) are not a patient's view:
    a patient sees clinical documents once the care team releases them (``portal``)."""
    if actor.is_patient_only:
        raise PermissionDenied(FOR_CARE_TEAM)


CareTeamOnly = Depends(care_team_only)
