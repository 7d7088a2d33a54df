# SPDX-License-Identifier: Apache-2.0
"""The clinician's first screen: what a tumour board asks first, on one screen above the record.

Diagnosis and stage, performance status, the current treatment with its approved dose, key
alterations with their AMP/ASCO/CAP tier (from the stored knowledge-base releases, as the report
computes them), open symptom alerts and recommendations awaiting a decision. Every item links to
the section or page that holds its source.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from threading import Lock

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oncoboard.dosing.schemas import DoseChange
from oncoboard.governance import gate
from oncoboard.governance.decisions import ReviewedRecommendation
from oncoboard.governance.gate import Access
from oncoboard.governance.vocabulary import Action, Purpose, allowed_purposes
from oncoboard.monitoring import reads
from oncoboard.monitoring.schemas import AlertOut
from oncoboard.record.models import FactRow
from oncoboard.record.schemas import PatientRecord, PerformanceStatus, RecordedFact, Treatment
from oncoboard.report import facts as report_facts
from oncoboard.report import service as report_service
from oncoboard.report import summary as report_summary
from oncoboard.report.schemas import Finding

# FHIR MedicationStatement/Request states that mean "being given now"
ONGOING = frozenset({"active", "in-progress", "intended", "on-hold"})
KEY_TIERS = ("Tier I", "Tier II")


@dataclass(frozen=True)
class KeyAlteration:
    """One alteration with its best tier for this tumour type and the therapies behind it."""

    alteration: str
    tier: str
    levels: tuple[str, ...]
    therapies: tuple[str, ...]
    on_label: bool


@dataclass(frozen=True)
class CurrentTreatment:
    treatment: RecordedFact
    dose: DoseChange | None


@dataclass
class FirstScreen:
    ecog: RecordedFact | None
    current: list[CurrentTreatment]
    key_alterations: list[KeyAlteration] | None  # None: no knowledge-base release stored
    resistance: list[str]
    releases: list[str]
    not_options: list[str]  # therapies moved out by co-occurring resistance or progression
    alerts: list[AlertOut] | None  # None: the role does not work the alert queue
    open_recommendations: list[ReviewedRecommendation] = field(default_factory=list)


def latest_ecog(record: PatientRecord) -> RecordedFact | None:
    """The newest performance status (undated ones count as oldest)."""
    scores = [f for f in record.performance_status if isinstance(f.fact, PerformanceStatus)]
    return max(scores, key=lambda f: getattr(f.fact, "effective", None) or "", default=None)


def current_treatments(
    record: PatientRecord, dose_changes: list[DoseChange]
) -> list[CurrentTreatment]:
    """Lines still being given (active status, or started and not ended), newest first, each
    with its latest approved dose change (none: the dose as started)."""
    current = []
    for item in record.treatments:
        fact = item.fact
        if not isinstance(fact, Treatment) or fact.category == "procedure":
            continue
        ongoing = (fact.status or "").lower() in ONGOING or (fact.start and not fact.end)
        if ongoing and (fact.status or "").lower() not in ("completed", "stopped"):
            changes = [c for c in dose_changes if c.treatment_fact_id == item.fact_id]
            current.append(CurrentTreatment(item, changes[-1] if changes else None))
    return sorted(
        current, key=lambda c: getattr(c.treatment.fact, "start", None) or "", reverse=True
    )


def key_alterations(
    session: Session, access: Access
) -> tuple[list[KeyAlteration] | None, list[str], list[str], list[str]]:
    """Tier I/II alterations, resistance and the therapies the whole tumour rules out, from every
    stored release: the report's engine and its whole-tumour check, so both say the same."""
    releases = report_service.release_ids(session, None)
    if not releases:
        return None, [], [], []
    runs = _cached_runs(session, access, releases)
    kept, moved = report_summary.whole_tumour(runs)
    found = report_facts.findings(runs, options=kept)
    grouped: dict[str, list[Finding]] = OrderedDict()
    for finding in found.options:
        if finding.amp_tier in KEY_TIERS:
            grouped.setdefault(finding.alteration, []).append(finding)
    key = [
        KeyAlteration(
            alteration=alteration,
            tier=min(f.amp_tier for f in items),
            levels=tuple(sorted({f.amp_level for f in items})),
            therapies=tuple(dict.fromkeys(f.therapy for f in items if f.therapy))[:4],
            on_label=any(f.on_label for f in items),
        )
        for alteration, items in grouped.items()
    ]
    key.sort(key=lambda k: (k.tier, not k.on_label, k.alteration))
    resistance = list(dict.fromkeys(f"{f.alteration}: {f.therapy}" for f in found.resistance))
    ruled_out = list(dict.fromkeys(c.therapy for c in report_summary.contraindicated(moved)))
    return key, resistance, releases, ruled_out


# The engine reads every variant of the patient; its answer changes only when the record or the
# releases change, so the first screen keeps the last few answers (keyed on both).
_RUNS: OrderedDict[tuple[object, ...], list[report_service.PatientAssessment]] = OrderedDict()
_RUNS_LOCK = Lock()
_RUNS_KEPT = 32


def _cached_runs(
    session: Session, access: Access, releases: list[str]
) -> list[report_service.PatientAssessment]:
    pk = gate.record_key(session, access)
    version = session.execute(
        select(func.count(), func.max(FactRow.id)).where(FactRow.patient_id == pk)
    ).one()
    key = (str(session.get_bind().engine.url), pk, tuple(version), tuple(releases))
    with _RUNS_LOCK:
        if key in _RUNS:
            _RUNS.move_to_end(key)
            return _RUNS[key]
    runs = report_service.assess_all(session, access=access, releases=releases, gene_level=False)
    with _RUNS_LOCK:
        _RUNS[key] = runs
        while len(_RUNS) > _RUNS_KEPT:
            _RUNS.popitem(last=False)
    return runs


def open_alerts(session: Session, access: Access) -> list[AlertOut] | None:
    """Open staff alerts of the patient, for roles that work the queue (None for the others)."""
    actor = access.actor
    if Purpose.TREATMENT not in allowed_purposes(actor.roles, Action.TRIAGE_ALERTS):
        return None
    triage = gate.authorize(
        session,
        actor=actor,
        action=Action.TRIAGE_ALERTS,
        purpose=Purpose.TREATMENT,
        obj="patient page: open alerts",
        patient_id=access.patient_id,
    )
    alerts = reads.patient_alerts(session, access=triage, now=datetime.now(UTC))
    return [a for a in alerts if a.status != "resolved"]


def first_screen(
    session: Session,
    *,
    access: Access,
    record: PatientRecord,
    dose_changes: list[DoseChange],
    recommendations: list[ReviewedRecommendation],
) -> FirstScreen:
    key, resistance, releases, ruled_out = key_alterations(session, access)
    return FirstScreen(
        ecog=latest_ecog(record),
        current=current_treatments(record, dose_changes),
        key_alterations=key,
        resistance=resistance,
        releases=releases,
        not_options=ruled_out,
        alerts=open_alerts(session, access),
        open_recommendations=[r for r in recommendations if r.decision is None],
    )
