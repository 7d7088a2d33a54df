# SPDX-License-Identifier: Apache-2.0
"""CDS Hooks services: discovery, patient-view, order-select and order-sign (CDS Hooks 2.0).

The EHR is an actor of its own (``cds:<issuer>``, clinician role) so every PHI read passes the
gate and is audited; consent refusals yield a card that says the data cannot be used. A draft
order is validated with the R4 models before any advice is given; a drug without a PGx rule
gets no card, and a patient unknown to OncoBoard is "not tested" (the label's test advice).
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oncoboard.dosing import genotype
from oncoboard.dosing import service as dosing_service
from oncoboard.dosing.schemas import DoseChange
from oncoboard.ehr import label_cards
from oncoboard.ehr.cards import Card, CdsResponse, Link, Source, order_card
from oncoboard.ehr.jwt import VerifiedClient
from oncoboard.errors import ConsentDenied, InputError, NotFound, Problem
from oncoboard.governance import audit, gate
from oncoboard.governance.models import DecisionRow, RecommendationRow
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.monitoring.models import AlertRow
from oncoboard.pharmacogenomics import engine as pgx_engine
from oncoboard.pharmacogenomics import guidance
from oncoboard.pharmacogenomics.schemas import GeneResult
from oncoboard.pharmacogenomics.service import gene_results
from oncoboard.pharmacogenomics.tables import cpic
from oncoboard.record import service as record_service
from oncoboard.record.models import PatientRow

PATIENT_VIEW = "oncoboard-patient-view"
ORDER_SELECT = "oncoboard-pgx-order-select"
ORDER_SIGN = "oncoboard-pgx-order-sign"
_PREFETCH_PATIENT = {"patient": "Patient/{{context.patientId}}"}
_PREFETCH_ORDERS = {
    **_PREFETCH_PATIENT,
    "medications": "MedicationRequest?patient={{context.patientId}}&status=active",
}
SERVICES: dict[str, dict[str, Any]] = {
    PATIENT_VIEW: {
        "hook": "patient-view",
        "title": "OncoBoard: actionable findings, alerts and pharmacogenomics",
        "description": "Open alerts, proposals awaiting a decision and actionable "
        "pharmacogenomic results, each linking to the patient's page in OncoBoard.",
        "prefetch": _PREFETCH_PATIENT,
    },
    ORDER_SELECT: {
        "hook": "order-select",
        "title": "OncoBoard: pharmacogenomic dosing check (order-select)",
        "description": "For fluoropyrimidines, thiopurines and irinotecan: the CPIC/label "
        "starting dose for the patient's DPYD, TPMT/NUDT15 or UGT1A1 result; for drugs with a "
        "label dose-modification table: the dose a clinician approved in OncoBoard.",
        "prefetch": _PREFETCH_ORDERS,
    },
    ORDER_SIGN: {
        "hook": "order-sign",
        "title": "OncoBoard: pharmacogenomic dosing check (order-sign)",
        "description": "The same check when the orders are signed.",
        "prefetch": _PREFETCH_ORDERS,
    },
}


def discovery() -> dict[str, Any]:
    return {"services": [{"id": key, **value} for key, value in SERVICES.items()]}


def actor_for(client: VerifiedClient) -> gate.Actor:
    return gate.Actor(
        username=f"cds:{client.issuer}"[:64],
        display_name=f"CDS client {client.name}",
        roles=frozenset({Role.CLINICIAN}),
    )


def handle(
    session: Session,
    *,
    service_id: str,
    body: dict[str, Any],
    client: VerifiedClient,
    base_url: str,
) -> CdsResponse:
    """Answer one hook call (the JWT was verified by the caller)."""
    service = SERVICES.get(service_id)
    if service is None:
        raise NotFound(f"no CDS service {service_id!r}")
    context = body.get("context") if isinstance(body.get("context"), dict) else None
    if body.get("hook") != service["hook"] or context is None or not context.get("patientId"):
        raise _bad(
            "request",
            "hook/context",
            str(body.get("hook")),
            f"hook {service['hook']} with context.patientId",
        )
    patient = str(context["patientId"])
    results, warning, access = _results(session, client, patient, service_id)
    if service_id == PATIENT_VIEW:
        cards = _patient_cards(session, patient, results, warning, base_url)
        if access is not None:
            cards[:0] = label_cards.untested_cards(
                genotype.starting_doses(session, access=access),
                source=Source(label="OncoBoard", url=f"{base_url}/patients/{patient}"),
                link=smart_link(base_url, patient, "pgx", "Open the starting doses in OncoBoard"),
            )
        return CdsResponse(cards=cards)
    orders = _draft_orders(context, service["hook"])
    changes = dosing_service.approved_changes(session, access=access) if access else []
    cards = []
    for order in orders:
        card = _order_card(order, results, warning, patient, base_url)
        if card is not None:
            cards.append(card)
        label = _label_card(order, changes, patient, base_url)
        if label is not None:
            cards.append(label)
    return CdsResponse(cards=cards)


def _label_card(
    order: dict[str, Any], changes: list[DoseChange], patient: str, base_url: str
) -> Card | None:
    table = label_cards.table_for(_drug(order)[0])
    if table is None or not changes:
        return None
    return label_cards.label_card(
        order,
        table,
        changes,
        source_url=f"{base_url}/dosing/rules/{table.drug}",
        link=smart_link(base_url, patient, "record", "Open the dose history in OncoBoard"),
    )


def _results(
    session: Session, client: VerifiedClient, patient: str, service_id: str
) -> tuple[dict[str, GeneResult], str | None, gate.Access | None]:
    """The patient's PGx results through the gate; unknown patient or no consent → none."""
    exists = session.scalar(select(PatientRow.id).where(PatientRow.external_id == patient))
    empty = {g: pgx_engine.not_tested(g) for g in cpic().genes}
    if exists is None:
        return empty, "this patient is not in OncoBoard: no pharmacogenomic result on file", None
    try:
        access = gate.authorize(
            session,
            actor=actor_for(client),
            action=Action.VIEW_RECORD,
            purpose=Purpose.TREATMENT,
            obj=f"CDS Hooks {service_id}",
            patient_id=patient,
        )
    except ConsentDenied:
        return (
            empty,
            "the patient's consent does not allow OncoBoard to use their data here",
            None,
        )
    results, _ = gene_results(
        record_service.pharmacogenomic_results(session=session, access=access)
    )
    return results, None, access


def _draft_orders(context: dict[str, Any], hook: str) -> list[dict[str, Any]]:
    """The MedicationRequests of ``context.draftOrders``, each validated with the R4 models."""
    bundle = context.get("draftOrders")
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise _bad(
            "context.draftOrders",
            "resourceType",
            str((bundle or {}).get("resourceType") if isinstance(bundle, dict) else bundle),
            "a FHIR Bundle",
        )
    selections = set(context.get("selections") or []) if hook == "order-select" else None
    orders = []
    for number, entry in enumerate(bundle.get("entry") or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != "MedicationRequest":
            continue
        _validate(resource, f"context.draftOrders.entry[{number}]")
        if selections is not None and f"MedicationRequest/{resource.get('id')}" not in selections:
            continue
        orders.append(resource)
    return orders


def _validate(resource: dict[str, Any], where: str) -> None:
    try:
        get_fhir_model_class("MedicationRequest").model_validate(resource)
    except ValidationError as error:
        problems = [
            Problem(
                "CDS request",
                where,
                "MedicationRequest." + ".".join(str(p) for p in d["loc"]),
                repr(d.get("input"))[:80],
                f"valid FHIR R4 ({d['msg']})",
            )
            for d in error.errors()[:10]
        ]
        raise InputError(
            f"CDS request: {where}: not a valid R4 MedicationRequest", problems
        ) from error


def _drug(order: dict[str, Any]) -> tuple[str | None, str | None]:
    concept = order.get("medicationCodeableConcept") or {}
    rxnorm = next(
        (
            str(c.get("code"))
            for c in concept.get("coding", [])
            if "rxnorm" in str(c.get("system", ""))
        ),
        None,
    )
    names = [concept.get("text"), *(c.get("display") for c in concept.get("coding", []))]
    names.append((order.get("medicationReference") or {}).get("display"))
    return " ".join(str(n) for n in names if n) or None, rxnorm


def _order_card(
    order: dict[str, Any],
    results: dict[str, GeneResult],
    warning: str | None,
    patient: str,
    base_url: str,
) -> Card | None:
    name, rxnorm = _drug(order)
    found = guidance.find_drug(name, rxnorm)
    if found is None:
        return None
    group, drug = found
    advice = guidance.advise(drug, group, results)
    if warning:
        advice = advice.model_copy(update={"warnings": (*advice.warnings, warning)})
    if not advice.actionable:
        return None
    return order_card(
        advice,
        order,
        source_url=f"{base_url}/patients/{patient}#pharmacogenomics",
        link=smart_link(base_url, patient, "pgx", "Open the pharmacogenomic results in OncoBoard"),
    )


def smart_link(base_url: str, patient: str, page: str, label: str) -> Link:
    """A SMART app link: the EHR launches OncoBoard, which opens ``page`` for the patient."""
    return Link(
        label=label,
        url=f"{base_url}/smart/launch",
        type="smart",
        appContext=f"patient={patient}&page={page}",
    )


def _patient_cards(
    session: Session,
    patient: str,
    results: dict[str, GeneResult],
    warning: str | None,
    base_url: str,
) -> list[Card]:
    if warning:
        return []
    source = Source(label="OncoBoard", url=f"{base_url}/patients/{patient}")
    cards = _pgx_cards(patient, results, source, base_url)
    pk = session.scalar(select(PatientRow.id).where(PatientRow.external_id == patient))
    alerts = session.execute(
        select(AlertRow.priority, func.count())
        .where(AlertRow.patient_id == pk, AlertRow.status != "resolved")
        .group_by(AlertRow.priority)
    ).all()
    if alerts:
        total = sum(n for _, n in alerts)
        high = any(p == "high" for p, _ in alerts)
        cards.append(
            Card(
                summary=f"{total} open symptom alert(s) in OncoBoard"
                + (" (high priority)" if high else ""),
                indicator="critical" if high else "warning",
                source=source,
                links=[smart_link(base_url, patient, "alerts", "Open the alerts in OncoBoard")],
            )
        )
    pending = session.scalar(
        select(func.count())
        .select_from(RecommendationRow)
        .where(
            RecommendationRow.patient_id == pk,
            ~select(DecisionRow.id)
            .where(DecisionRow.recommendation_id == RecommendationRow.id)
            .exists(),
        )
    )
    if pending:
        cards.append(
            Card(
                summary=f"{pending} OncoBoard recommendation(s) await a clinician's decision",
                indicator="info",
                source=source,
                links=[smart_link(base_url, patient, "record", "Review them in OncoBoard")],
            )
        )
    return cards


def _pgx_cards(
    patient: str, results: dict[str, GeneResult], source: Source, base_url: str
) -> list[Card]:
    cards = []
    for gene, result in results.items():
        if result.status == "not_tested" or result.phenotype == "Normal Metabolizer":
            continue
        affected = [
            guidance.advise(d, g, results)
            for g, d in guidance.all_drugs()
            if gene in guidance.advice_genes(g)
        ]
        lines = "\n".join(f"- {a.drug}: {a.text}" for a in affected if a.actionable)
        cards.append(
            Card(
                summary=f"Pharmacogenomics: {result.label}"[:140],
                detail=f"{lines}\n\n{'; '.join(result.notes)}\n\nTables: {result.table_version}",
                indicator="warning",
                source=source,
                links=[
                    smart_link(
                        base_url, patient, "pgx", "Open the pharmacogenomic results in OncoBoard"
                    )
                ],
            )
        )
    return cards


def record_feedback(
    session: Session, *, client: VerifiedClient, service_id: str, body: dict[str, Any]
) -> int:
    """CDS Hooks feedback (accepted / overridden with a reason) → the audit trail."""
    if service_id not in SERVICES:
        raise NotFound(f"no CDS service {service_id!r}")
    items = body.get("feedback")
    if not isinstance(items, list) or not items:
        raise _bad("feedback", "feedback", str(items)[:40], "a list of card outcomes")
    actor = actor_for(client)
    for number, item in enumerate(items):
        if not isinstance(item, dict) or item.get("outcome") not in ("accepted", "overridden"):
            raise _bad(
                "feedback", f"feedback[{number}].outcome", str(item)[:40], "accepted or overridden"
            )
        reason = (item.get("overrideReason") or {}).get("reason") or {}
        comment = (item.get("overrideReason") or {}).get("userComment")
        audit.append(
            session,
            audit.AuditEvent(
                actor=actor.username,
                roles=actor.roles_text,
                action="cds_feedback",
                purpose=Purpose.TREATMENT.value,
                object=f"{service_id} card {item.get('card')}: {item['outcome']}"[:256],
                outcome="allowed",
                reason=(
                    f"{reason.get('code', '')} {reason.get('display', '')} {comment or ''}".strip()
                    or None
                ),
            ),
        )
    return len(items)


def _bad(source: str, field: str, value: str, expected: str) -> InputError:
    return InputError(
        f"CDS request: {field}: expected {expected}",
        [Problem("CDS request", source, field, value, expected)],
    )
