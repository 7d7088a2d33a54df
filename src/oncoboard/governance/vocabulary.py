# SPDX-License-Identifier: Apache-2.0
"""Roles, actions and purposes, and the permission matrix role × action × purpose as data."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CLINICIAN = "clinician"
    TUMOR_BOARD = "tumor_board"
    NURSE = "nurse"
    PATIENT = "patient"
    RESEARCHER = "researcher"
    QUALITY_OFFICER = "quality_officer"
    CELL_THERAPY_COORDINATOR = "cell_therapy_coordinator"
    ADMIN = "admin"


class Action(StrEnum):
    VIEW_RECORD = "view_record"
    EDIT_RECORD = "edit_record"
    EXPORT = "export"
    DECIDE = "decide"
    ADMINISTER = "administer"
    READ_AUDIT = "read_audit"
    # consent itself can always be changed, whatever consent is in force
    MANAGE_CONSENT = "manage_consent"
    # a patient's own symptom reports (PRO-CTCAE), or staff entering/importing them for the patient
    REPORT_SYMPTOMS = "report_symptoms"
    # working the symptom-alert queue: acknowledge, note, call, escalate, resolve
    TRIAGE_ALERTS = "triage_alerts"
    # federated research: count/boolean answers over consented patients, never records
    QUERY_AGGREGATE = "query_aggregate"
    # learned models (prediction/): read cards and the registry; train, evaluate and check drift;
    # promote a model or answer its drift alerts (the quality officer's governance actions)
    REVIEW_MODELS = "review_models"
    TRAIN_MODELS = "train_models"
    PROMOTE_MODELS = "promote_models"
    # a released model's prediction for one patient (clinical decision support for clinicians)
    PREDICT = "predict"


class Purpose(StrEnum):
    TREATMENT = "treatment"
    RESEARCH = "research"
    FEDERATED_ANALYSIS = "federated_analysis"
    MODEL_TRAINING = "model_training"
    RECONTACT = "recontact"
    # not a patient-data purpose: operating the system (users, audit review)
    OPERATIONS = "operations"


CONSENT_PURPOSES = (
    Purpose.TREATMENT,
    Purpose.RESEARCH,
    Purpose.FEDERATED_ANALYSIS,
    Purpose.MODEL_TRAINING,
    Purpose.RECONTACT,
)

# Treatment rests on GDPR Art. 9(2)(h) (provision of health care): allowed unless the patient
# objected (opt-out). Secondary uses rest on explicit consent, Art. 9(2)(a): allowed only
# while a grant is in force (opt-in). See docs/security.md.
OPT_OUT_PURPOSES = frozenset({Purpose.TREATMENT})
LEGAL_BASIS = {
    Purpose.TREATMENT: "GDPR Art. 9(2)(h): provision of health care (patient may object)",
    Purpose.RESEARCH: "GDPR Art. 9(2)(a): explicit consent",
    Purpose.FEDERATED_ANALYSIS: "GDPR Art. 9(2)(a): explicit consent",
    Purpose.MODEL_TRAINING: "GDPR Art. 9(2)(a): explicit consent",
    Purpose.RECONTACT: "GDPR Art. 9(2)(a): explicit consent",
}

_CARE = frozenset({Purpose.TREATMENT})
_SECONDARY = frozenset({Purpose.RESEARCH, Purpose.FEDERATED_ANALYSIS, Purpose.MODEL_TRAINING})
_OPS = frozenset({Purpose.OPERATIONS})

PERMISSIONS: dict[Role, dict[Action, frozenset[Purpose]]] = {
    Role.CLINICIAN: {
        Action.VIEW_RECORD: _CARE,
        Action.EDIT_RECORD: _CARE,
        Action.EXPORT: _CARE,
        Action.DECIDE: _CARE,
        Action.MANAGE_CONSENT: _CARE,
        Action.REPORT_SYMPTOMS: _CARE,
        Action.TRIAGE_ALERTS: _CARE,
        Action.REVIEW_MODELS: _OPS,
        Action.PREDICT: _CARE,
    },
    Role.TUMOR_BOARD: {
        Action.VIEW_RECORD: _CARE,
        Action.DECIDE: _CARE,
        Action.REVIEW_MODELS: _OPS,
        Action.PREDICT: _CARE,
    },
    Role.NURSE: {
        Action.VIEW_RECORD: _CARE,
        Action.EDIT_RECORD: _CARE,
        Action.MANAGE_CONSENT: _CARE,
        Action.REPORT_SYMPTOMS: _CARE,
        Action.TRIAGE_ALERTS: _CARE,
    },
    # a patient reads only their own record (enforced by the gate), manages own consent and
    # reports own symptoms
    Role.PATIENT: {
        Action.VIEW_RECORD: _CARE,
        Action.MANAGE_CONSENT: _CARE,
        Action.REPORT_SYMPTOMS: _CARE,
    },
    Role.RESEARCHER: {
        Action.VIEW_RECORD: _SECONDARY,
        Action.EXPORT: _SECONDARY,
        Action.QUERY_AGGREGATE: frozenset({Purpose.FEDERATED_ANALYSIS}),
        Action.REVIEW_MODELS: _OPS,
        Action.TRAIN_MODELS: _OPS,
    },
    Role.QUALITY_OFFICER: {
        Action.READ_AUDIT: _OPS,
        Action.EXPORT: _OPS,
        Action.REVIEW_MODELS: _OPS,
        Action.TRAIN_MODELS: _OPS,
        Action.PROMOTE_MODELS: _OPS,
    },
    # export: the batch record (JSON/PDF) goes to QA and the manufacturer
    Role.CELL_THERAPY_COORDINATOR: {
        Action.VIEW_RECORD: _CARE,
        Action.EDIT_RECORD: _CARE,
        Action.EXPORT: _CARE,
    },
    # site IT: imports data and manages accounts; reads records only to check imports
    Role.ADMIN: {
        Action.VIEW_RECORD: _CARE,
        Action.EDIT_RECORD: _CARE,
        Action.ADMINISTER: _OPS,
        Action.READ_AUDIT: _OPS,
        Action.MANAGE_CONSENT: _CARE,
        Action.REPORT_SYMPTOMS: _CARE,
        Action.REVIEW_MODELS: _OPS,
        Action.TRAIN_MODELS: _OPS,
    },
}

BREAK_GLASS_ROLES = frozenset({Role.CLINICIAN})


def allowed_purposes(roles: frozenset[Role], action: Action) -> frozenset[Purpose]:
    """Purposes for which any of ``roles`` may perform ``action``."""
    purposes: set[Purpose] = set()
    for role in roles:
        purposes |= PERMISSIONS.get(role, {}).get(action, frozenset())
    return frozenset(purposes)
