# SPDX-License-Identifier: Apache-2.0
"""The Recommendation (kind ALERT) behind one queue item: its statement in clinical words, the
answers it rests on with their provenance, and every rule that fired as evidence."""

from __future__ import annotations

from datetime import datetime

from oncoboard import __version__
from oncoboard.governance.recommendation import (
    Alternative,
    Citation,
    FactReference,
    Recommendation,
    RecommendationKind,
)
from oncoboard.monitoring import wording
from oncoboard.monitoring.config import MonitoringConfig
from oncoboard.monitoring.rules import AlertGroup, PersonalChangeRule, Trigger
from oncoboard.monitoring.views import ReportOrigin, utc
from oncoboard.record.schemas import Provenance

LIMITATIONS = (
    "Patient-reported answers and the PRO-CTCAE composite grade (0-3) supplement clinician CTCAE "
    "grading and do not replace it. Thresholds are site-configurable defaults from the trials' "
    "'severe or worsening' description, not validated cut-offs."
)
INTENDED_USE = (
    "Prompt a nurse or clinician to review a patient's self-reported symptoms and contact the "
    "patient; not a diagnosis and not an instruction to change treatment."
)


def provenance(row: ReportOrigin, item: str) -> Provenance:
    return Provenance(
        source_name=row.source_name,
        source_sha256=row.source_sha256,
        locator=f"{row.locator}; {item}",
        importer=f"oncoboard.monitoring.{row.channel}",
        importer_version=__version__,
        import_id=row.id,
        imported_at=utc(row.received_at),
    )


def alert_recommendation(
    config: MonitoringConfig,
    patient_id: str,
    draft: AlertGroup,
    summary: str,
    basis: list[FactReference],
    now: datetime,
) -> Recommendation:
    """One Recommendation per queue item, citing every rule that fired for the symptom."""
    hours = int(config.sla(draft.priority).total_seconds() // 3600)
    rules = list({r.rule.id: r.rule for r in draft.reasons}.values())
    limitations = LIMITATIONS
    if any(isinstance(rule, PersonalChangeRule) for rule in rules):
        limitations += (
            " The change-from-own-best rule is Moovcare-like only: Moovcare's algorithm is "
            "proprietary and this rule is not claimed equivalent."
        )
    names = ", ".join(f"{rule.id} v{rule.version}" for rule in rules)
    return Recommendation(
        patient_id=patient_id,
        kind=RecommendationKind.ALERT,
        statement=(
            f"Review the patient's symptom report and contact the patient within {hours} h "
            f"({draft.priority} priority): {summary}."
        ),
        basis=tuple(basis),
        evidence=tuple(
            Citation(
                source=rule.source,
                identifier=rule.identifier,
                level="design default (no published verbatim alert threshold; facts §0.2)",
                knowledge_version=(
                    f"rules {config.ruleset.label}; rule {rule.id} v{rule.version}; "
                    f"items {config.library.version}"
                ),
            )
            for rule in rules
        ),
        alternatives=(
            Alternative(
                statement="Review the report at the next scheduled visit",
                why_not_first=(
                    "STAR and PRO-TECT alerted nurses between visits on severe or worsening "
                    "symptoms"
                ),
            ),
        ),
        limitations=limitations,
        intended_use=INTENDED_USE,
        generated_by=f"monitoring rules {names} ({config.ruleset.label})",
        ai_generated=False,
        created_at=now,
    )


def _answer_label(config: MonitoringConfig, trigger: Trigger, value: int) -> str:
    symptom, _, attribute = trigger.item.partition(".")
    name = wording.term(config.library, symptom)
    if trigger.item == wording.URGENT:
        return "the patient asked to hear from the care team today"
    if attribute == "composite":
        return f"{name}: PRO-CTCAE composite grade {value}"
    words = wording.ATTRIBUTE_WORDS.get(attribute, attribute)
    return f"{name}, {words}: '{wording.option(attribute, value)}' ({value} of 4)"


def alert_basis(
    config: MonitoringConfig,
    draft: AlertGroup,
    row: ReportOrigin,
    rows: dict[str, ReportOrigin],
) -> list[FactReference]:
    """The triggering answers with their provenance, and the answers they were compared with;
    an answer two rules share is cited once."""
    found: dict[tuple[str, str], FactReference] = {}
    for reason in draft.reasons:
        for trigger in reason.triggers:
            kind = "pro_composite_grade" if trigger.item.endswith(".composite") else "pro_answer"
            label = (
                f"{_answer_label(config, trigger, trigger.value)} "
                f"(patient-reported {utc(row.authored_at):%Y-%m-%d})"
            )
            found.setdefault(
                (kind, label),
                FactReference(
                    label=label,
                    kind=kind,
                    provenance=provenance(row, trigger.item),
                    match=f"rule {reason.rule.id} v{reason.rule.version}",
                ),
            )
            before = rows.get(trigger.previous_submission_id or "")
            if before is None or trigger.previous is None:
                continue
            previous = (
                f"{_answer_label(config, trigger, trigger.previous)} "
                f"(patient-reported {utc(before.authored_at):%Y-%m-%d})"
            )
            found.setdefault(
                (f"{kind}_previous", previous),
                FactReference(
                    label=previous,
                    kind=f"{kind}_previous",
                    provenance=provenance(before, trigger.item),
                    match="compared with",
                ),
            )
    return list(found.values())
