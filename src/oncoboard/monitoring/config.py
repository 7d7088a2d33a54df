# SPDX-License-Identifier: Apache-2.0
"""Monitoring settings (``ONCOBOARD_PRO_*``): SLA timers, the site's phone number, data paths.

Built at the edge (CLI command, app start) and passed to services; never read at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from oncoboard.monitoring.library import (
    ItemLibrary,
    Questionnaire,
    load_library,
    load_questionnaires,
)
from oncoboard.monitoring.rules import RuleSet, load_ruleset
from oncoboard.settings import EnvironmentSettings


class MonitoringSettings(EnvironmentSettings):
    """Site configuration of symptom monitoring; every field is ``ONCOBOARD_PRO_<NAME>``."""

    env_prefix: ClassVar[str] = "ONCOBOARD_PRO_"

    # PRO-TECT: the nurse documented action on an alert within 72 h (facts §1.5)
    sla_hours_normal: int = Field(default=72, ge=1, le=720)
    sla_hours_high: int = Field(default=24, ge=1, le=720)
    # Moovcare cascade: no clinician response within 24 h -> the patient is told to call (§1.6)
    escalation_response_hours: int = Field(default=24, ge=1, le=720)
    site_phone: str = Field(default="", max_length=40, description="shown to patients")
    item_library: Path | None = None
    questionnaires: Path | None = None
    alert_rules: Path | None = None


@dataclass(frozen=True)
class MonitoringConfig:
    """Settings plus the validated data they point at, loaded once."""

    settings: MonitoringSettings

    @cached_property
    def library(self) -> ItemLibrary:
        return load_library(self.settings.item_library)

    @cached_property
    def questionnaires(self) -> dict[str, Questionnaire]:
        return load_questionnaires(self.library, self.settings.questionnaires)

    @cached_property
    def ruleset(self) -> RuleSet:
        return load_ruleset(self.settings.alert_rules)

    def sla(self, priority: str) -> timedelta:
        hours = (
            self.settings.sla_hours_high if priority == "high" else self.settings.sla_hours_normal
        )
        return timedelta(hours=hours)

    @property
    def escalation_response(self) -> timedelta:
        return timedelta(hours=self.settings.escalation_response_hours)


def default_config() -> MonitoringConfig:
    """Read ``ONCOBOARD_PRO_*`` now (call at the edge) and load the data they name."""
    return MonitoringConfig(MonitoringSettings())
