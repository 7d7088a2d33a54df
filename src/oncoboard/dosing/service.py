# SPDX-License-Identifier: Apache-2.0
"""Dose proposals through the gate: count occurrences, ask the engine, store a Recommendation.

Nothing is applied here. A ``dose_changes`` row is written only by :func:`apply_decision`,
which ``governance.decisions.record_decision`` calls when a clinician accepts or modifies a
DOSE_CHANGE recommendation (``decisions.ON_DECISION``).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard import __version__
from oncoboard.dosing import engine, genotype
from oncoboard.dosing.models import DoseChangeRow, DoseProposalRow
from oncoboard.dosing.schemas import (
    DoseAction,
    DoseChange,
    DoseHistory,
    DoseProposal,
    DoseProposalIn,
    DoseProposalOut,
    DrugRules,
    ProposalSummary,
)
from oncoboard.errors import Conflict, InputError, Problem
from oncoboard.governance import decisions, gate
from oncoboard.governance.decisions import Decision
from oncoboard.governance.gate import Access
from oncoboard.governance.recommendation import (
    NONE_KNOWN,
    Alternative,
    Citation,
    FactReference,
    Recommendation,
    RecommendationKind,
)
from oncoboard.governance.vocabulary import Action
from oncoboard.record import service as record_service
from oncoboard.record.schemas import Provenance, RecordedFact

INTENDED_USE = (
    "Proposes a label-based dose modification for a clinician to accept, modify or reject; "
    "never applied automatically. Not for use without pharmacist-verified rule tables."
)


def rules(*, access: Access, drug: str) -> DrugRules:
    """One drug's rule table (the gate proved the caller may view treatment data)."""
    gate.require(access, Action.VIEW_RECORD, patient_scoped=False)
    return engine.drug_rules(drug)


def propose_dose_change(
    session: Session, *, access: Access, proposal_in: DoseProposalIn
) -> DoseProposalOut:
    """Ask the label table about one graded AE on the patient's current treatment; store it."""
    gate.require(access, Action.EDIT_RECORD)
    patient_pk = gate.record_key(session, access)
    table = engine.drug_rules(proposal_in.drug)
    history = _changes(session, patient_pk, table.drug)
    _refuse_if_discontinued(history, table.drug)
    key = engine.occurrence_key(table.drug, proposal_in.ae, proposal_in.grade)
    prior = sum(
        1
        for row in history
        if engine.same_toxicity(table, row.occurrence_key, key) and row.action != "continue"
    )
    indication = proposal_in.indication or (history[-1].indication if history else None)
    treatment = _current_treatment(session, access, table)
    proposal = engine.propose(
        engine.ProposalInput(
            drug=table.drug,
            indication=indication,
            current_level=_current_level(proposal_in, history),
            ae=proposal_in.ae,
            grade=proposal_in.grade,
            grade_source=proposal_in.grade_source,
            prior_occurrences=prior,
            ctcae_version=proposal_in.ctcae_version,
        )
    )
    pgx = genotype.advice_for_drug(session, access=access, drug=table.drug)
    note = genotype.proposal_note(pgx)
    if note is not None:
        proposal = proposal.model_copy(update={"limitations": (*proposal.limitations, note)})
    recommendation = _recommendation(access, proposal_in, proposal, table, treatment)
    decisions.propose(session, access=access, recommendation=recommendation)
    fact = treatment.fact
    session.add(
        DoseProposalRow(
            recommendation_id=recommendation.id,
            patient_id=patient_pk,
            drug=proposal.drug,
            indication=proposal.indication,
            ae_term=proposal.ae_term,
            occurrence_key=proposal.occurrence_key,
            grade=proposal.grade,
            grade_source=proposal.grade_source,
            action=proposal.action.value,
            next_level=proposal.next_level,
            next_dose=proposal.next_dose,
            treatment_fact_id=treatment.fact_id,
            treatment_name=getattr(fact, "name", table.drug),
            payload=proposal.model_dump(mode="json"),
        )
    )
    session.flush()
    return DoseProposalOut(
        recommendation_id=recommendation.id, proposal=proposal, pharmacogenomics=pgx
    )


def apply_decision(session: Session, recommendation: Recommendation, decision: Decision) -> None:
    """Decision hook: an accepted or modified dose proposal becomes the treatment's dose."""
    row = session.get(DoseProposalRow, recommendation.id)
    if row is None or decision.outcome == "reject":
        return
    proposal = DoseProposal.model_validate(row.payload)
    accepted = decision.outcome == "accept"
    if accepted and proposal.action == DoseAction.CLINICAL_JUDGEMENT:
        return  # "no label row: clinical judgement" names no dose to apply
    session.add(
        DoseChangeRow(
            recommendation_id=row.recommendation_id,
            patient_id=row.patient_id,
            drug=row.drug,
            indication=row.indication,
            ae_term=row.ae_term,
            occurrence_key=row.occurrence_key,
            grade=row.grade,
            grade_source=row.grade_source,
            action=row.action,
            level=_approved_level(proposal) if accepted else None,
            dose=_dose_text(proposal) if accepted else f"as modified: {decision.modification}",
            treatment_fact_id=row.treatment_fact_id,
            treatment_name=row.treatment_name,
            outcome=decision.outcome,
            decided_by=decision.decided_by,
            decided_at=decision.decided_at,
        )
    )
    session.flush()


def dose_history(session: Session, *, access: Access) -> DoseHistory:
    """Every dose proposal for the patient with its status, and the approved dose changes."""
    gate.require(access, Action.VIEW_RECORD)
    patient_pk = gate.record_key(session, access)
    statuses = {
        r.recommendation.id: r.recommendation.status.value
        for r in decisions.list_for_patient(session, access=access)
    }
    proposals = session.scalars(
        select(DoseProposalRow)
        .where(DoseProposalRow.patient_id == patient_pk)
        .order_by(DoseProposalRow.created_at, DoseProposalRow.recommendation_id)
    )
    summaries = [
        ProposalSummary(
            recommendation_id=row.recommendation_id,
            drug=row.drug,
            ae_term=row.ae_term,
            grade=row.grade,
            grade_source=row.grade_source,
            action=DoseAction(row.action),
            next_dose=row.next_dose,
            status=statuses.get(row.recommendation_id, "proposed"),
            created_at=row.created_at,
        )
        for row in proposals
    ]
    return DoseHistory(
        patient_id=access.patient_id or "",
        proposals=summaries,
        changes=approved_changes(session, access=access),
    )


def approved_changes(session: Session, *, access: Access) -> list[DoseChange]:
    """Approved dose changes, oldest first: what the treatment lines show as the current dose."""
    gate.require(access, Action.VIEW_RECORD)
    patient_pk = gate.record_key(session, access)
    rows = session.scalars(
        select(DoseChangeRow)
        .where(DoseChangeRow.patient_id == patient_pk)
        .order_by(DoseChangeRow.id)
    )
    return [_change(row) for row in rows]


def discontinued_drugs(session: Session, *, access: Access) -> set[str]:
    """Drugs whose last approved change discontinued them (no more proposals are offered).

    The caller may hold an edit proof (the proposal forms) or a view proof."""
    if access.action not in (Action.EDIT_RECORD, Action.VIEW_RECORD):
        gate.require(access, Action.EDIT_RECORD)
    gate.require(access, access.action)
    patient_pk = gate.record_key(session, access)
    last: dict[str, DoseChangeRow] = {}
    for row in session.scalars(
        select(DoseChangeRow)
        .where(DoseChangeRow.patient_id == patient_pk)
        .order_by(DoseChangeRow.id)
    ):
        last[row.drug] = row
    return {d for d, row in last.items() if row.outcome == "accept" and row.action == "discontinue"}


def _change(row: DoseChangeRow) -> DoseChange:
    return DoseChange(
        recommendation_id=row.recommendation_id,
        drug=row.drug,
        indication=row.indication,
        treatment=row.treatment_name,
        treatment_fact_id=row.treatment_fact_id,
        ae_term=row.ae_term,
        grade=row.grade,
        grade_source=row.grade_source,
        action=DoseAction(row.action),
        level=row.level,
        dose=row.dose,
        outcome=row.outcome,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )


def _approved_level(proposal: DoseProposal) -> int | None:
    if proposal.action == DoseAction.CONTINUE:
        return proposal.current_level
    return proposal.next_level


def _dose_text(proposal: DoseProposal) -> str:
    if proposal.action == DoseAction.CONTINUE:
        return f"{proposal.current_dose} (continued)"
    if proposal.action == DoseAction.DISCONTINUE:
        return f"{proposal.drug} discontinued"
    until = (
        f"grade ≤{proposal.hold_until_grade}"
        if proposal.hold_until_grade is not None
        else proposal.resume_when
    )
    if proposal.next_dose is None:
        return f"withheld until {until}; the resume dose is the clinician's decision"
    return f"hold until {until}, then {proposal.next_dose}"


def _changes(session: Session, patient_pk: int, drug: str) -> list[DoseChangeRow]:
    return list(
        session.scalars(
            select(DoseChangeRow)
            .where(DoseChangeRow.patient_id == patient_pk, DoseChangeRow.drug == drug)
            .order_by(DoseChangeRow.id)
        )
    )


def _refuse_if_discontinued(history: Sequence[DoseChangeRow], drug: str) -> None:
    last = history[-1] if history else None
    if last is not None and last.outcome == "accept" and last.action == "discontinue":
        raise Conflict(
            f"{drug} was discontinued (decision by {last.decided_by} on "
            f"{last.decided_at:%Y-%m-%d}); no further dose proposals for it"
        )


def _current_level(proposal_in: DoseProposalIn, history: Sequence[DoseChangeRow]) -> int:
    """The level given, else the last approved one; a modified decision has no known level."""
    if proposal_in.current_level is not None:
        return proposal_in.current_level
    if not history:
        return 0
    if history[-1].level is None:
        raise InputError(
            "the last approved dose change has no dose level (a clinician modified it, or it "
            "withheld the drug and left the resume dose to the clinician); give the current "
            "dose level",
            problems=[
                Problem(source="dose proposal", locator="request", field="current_level",
                        value="", expected="the current dose level (0, -1, -2, …)")
            ],
        )  # fmt: skip
    return history[-1].level


def _current_treatment(session: Session, access: Access, table: DrugRules) -> RecordedFact:
    """The patient's most recent recorded treatment with this drug (by name or brand)."""
    recorded = record_service.treatments(session=session, access=access)
    matching = [t for t in recorded if engine.treats_with(table, getattr(t.fact, "name", ""))]
    if not matching:
        names = ", ".join(sorted({getattr(t.fact, "name", "") for t in recorded})) or "none"
        raise InputError(
            f"no recorded treatment with {table.drug} for this patient (recorded: {names}); "
            "import the treatment before proposing a dose change",
            problems=[
                Problem(source="dose proposal", locator="patient record", field="drug",
                        value=table.drug, expected=f"a recorded treatment ({names})")
            ],
        )  # fmt: skip
    return max(matching, key=lambda t: (str(getattr(t.fact, "start", None) or ""), t.fact_id))


def _recommendation(
    access: Access,
    proposal_in: DoseProposalIn,
    proposal: DoseProposal,
    table: DrugRules,
    treatment: RecordedFact,
) -> Recommendation:
    recommendation_id = str(uuid.uuid4())
    return Recommendation(
        id=recommendation_id,
        patient_id=access.patient_id or "",
        kind=RecommendationKind.DOSE_CHANGE,
        statement=proposal.statement,
        basis=(_grade_fact(access, proposal_in, proposal, recommendation_id), _treatment_fact(
            treatment, proposal)),
        evidence=(
            Citation(
                source=f"{proposal.citation} — {table.label}",
                identifier=f"rule {proposal.rule_id}; sources {', '.join(proposal.sources)}",
                level=f"label text ({proposal.verification.replace('_', ' ')})",
                knowledge_version=f"{proposal.rules_version} (label: {table.label_revision})",
            ),
        ),
        alternatives=tuple(
            Alternative(statement=text, why_not_first="the matched table row names this as "
                        "the alternative or the condition that changes the action")
            for text in proposal.alternatives
        ) or NONE_KNOWN,
        limitations=" ".join(proposal.limitations),
        intended_use=INTENDED_USE,
        generated_by=f"oncoboard dosing {__version__}; rule {proposal.rule_id} "
        f"({proposal.rules_version})",
        ai_generated=False,
    )  # fmt: skip


def _grade_fact(
    access: Access, proposal_in: DoseProposalIn, proposal: DoseProposal, recommendation_id: str
) -> FactReference:
    """The graded AE as a basis fact; a PRO-derived grade says so in its label and match."""
    patient_reported = proposal.grade_source == "patient_reported"
    who = "patient-reported (PRO-CTCAE derived)" if patient_reported else "clinician-graded"
    canonical = proposal_in.model_dump_json()
    return FactReference(
        label=f"{proposal.ae_term} grade {proposal.grade} (CTCAE v{proposal.ctcae_version}, "
        f"{who})",
        kind="adverse_event_grade",
        provenance=Provenance(
            source_name="patient report" if patient_reported else f"entered by {access.actor.username}",
            source_sha256=hashlib.sha256(canonical.encode()).hexdigest(),
            locator=proposal_in.source_ref or "dose proposal request",
            importer="oncoboard.dosing",
            importer_version=__version__,
            import_id=recommendation_id,
            imported_at=proposal_in.graded_at or datetime.now(UTC),
        ),
        match="patient-reported; not a clinician grade" if patient_reported else "clinician-entered",
    )  # fmt: skip


def _treatment_fact(treatment: RecordedFact, proposal: DoseProposal) -> FactReference:
    name = getattr(treatment.fact, "name", proposal.drug)
    return FactReference(
        label=f"current treatment: {name} at {proposal.current_dose} "
        f"(level {proposal.current_level}, {proposal.indication})",
        fact_id=treatment.fact_id,
        kind="treatment",
        provenance=treatment.provenance,
        match=f"treatment name matches {proposal.drug}",
    )
