# SPDX-License-Identifier: Apache-2.0
"""Fixtures for symptom monitoring: patients in the record, users with roles, a fixed config."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from oncoboard.governance import gate, users
from oncoboard.governance.gate import Access
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.monitoring.config import MonitoringConfig, MonitoringSettings
from oncoboard.monitoring.models import (
    AlertEventRow,
    AlertRow,
    ProAnswerRow,
    ProGradeRow,
    ProSubmissionRow,
)
from oncoboard.record.models import PatientRow
from oncoboard.store.db import unit_of_work

PHONE = "+44 20 7946 0000"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def config() -> MonitoringConfig:
    return MonitoringConfig(MonitoringSettings(site_phone=PHONE))


@pytest.fixture
def patients(engine: Engine) -> list[str]:
    with unit_of_work(engine) as session:
        session.add_all([PatientRow(external_id="PT-A"), PatientRow(external_id="PT-B")])
    return ["PT-A", "PT-B"]


def make(engine: Engine, username: str, roles: list[Role], patient: str | None = None) -> None:
    with unit_of_work(engine) as session:
        users.create_user(
            session,
            username=username,
            display_name=username.title(),
            roles=roles,
            granted_by="tests",
            password="correct-horse-battery",
            patient_id=patient,
        )


def access(session: object, username: str, action: Action, patient: str | None) -> Access:
    """The gate's answer for a named user, as the routes ask it."""
    actor = users.actor_for(session, username)  # type: ignore[arg-type]
    return gate.authorize(
        session,  # type: ignore[arg-type]
        actor=actor,
        action=action,
        purpose=Purpose.TREATMENT,
        obj="test",
        patient_id=patient,
    )


MONITORING_TABLES = {
    "pro_submissions": ProSubmissionRow,
    "pro_answers": ProAnswerRow,
    "pro_grades": ProGradeRow,
    "pro_alerts": AlertRow,
    "pro_alert_events": AlertEventRow,
}


def pro_counts(engine: Engine) -> dict[str, int]:
    with unit_of_work(engine) as session:
        return {
            name: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for name, model in MONITORING_TABLES.items()
        }
