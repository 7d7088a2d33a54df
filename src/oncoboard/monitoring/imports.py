# SPDX-License-Identifier: Apache-2.0
"""Import exported surveys: FHIR R4 QuestionnaireResponse (JSON) or CSV; all-or-nothing, idempotent.

CSV layout (docs/monitoring.md): one row per submission; columns ``patient_id``,
``submission_id`` (the idempotency key), ``questionnaire_id``, ``authored_at`` (ISO 8601 with
timezone), optional ``urgent`` (yes/no), then one column per item named ``<term>.<attribute>``
(e.g. ``nausea.frequency``) holding 0-4, a non-scored code, or blank when not asked.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.errors import InputError, Problem
from oncoboard.governance import gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.monitoring import service
from oncoboard.monitoring.branching import check_answers
from oncoboard.monitoring.config import MonitoringConfig
from oncoboard.monitoring.schemas import ImportReport, SubmissionIn
from oncoboard.record.models import PatientRow

if TYPE_CHECKING:
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

FIXED = ("patient_id", "submission_id", "questionnaire_id", "authored_at", "urgent")
YES_NO = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
}


@dataclass(frozen=True)
class Parsed:
    patient_id: str
    submission: SubmissionIn
    locator: str


def _cell(value: str) -> int | str:
    text = value.strip()
    return int(text) if text.isdigit() else text


def parse_csv(text: str, source: str) -> tuple[list[Parsed], list[Problem]]:
    """Rows of the documented CSV layout; every defect located by line and column."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    problems = [
        Problem(source, "line 1", name, "", "a column of the PRO CSV layout")
        for name in ("patient_id", "submission_id", "questionnaire_id", "authored_at")
        if name not in header
    ]
    if problems:
        return [], problems
    found: list[Parsed] = []
    for line, row in enumerate(reader, start=2):
        locator = f"line {line}"
        answers = {
            k: _cell(v) for k, v in row.items() if k not in FIXED and k and (v or "").strip()
        }
        urgent_text = (row.get("urgent") or "").strip().lower()
        if urgent_text and urgent_text not in YES_NO:
            problems.append(Problem(source, locator, "urgent", urgent_text, "yes, no or blank"))
        raw = {
            "questionnaire_id": (row.get("questionnaire_id") or "").strip(),
            "idempotency_key": (row.get("submission_id") or "").strip(),
            "authored_at": (row.get("authored_at") or "").strip() or None,
            "answers": answers,
            "urgent": YES_NO.get(urgent_text),
        }
        _add(found, problems, (row.get("patient_id") or "").strip(), raw, source, locator)
    return found, problems


def _add(
    found: list[Parsed],
    problems: list[Problem],
    patient: str,
    raw: dict[str, Any],
    source: str,
    locator: str,
) -> None:
    if not patient:
        problems.append(Problem(source, locator, "patient_id", "", "a patient id"))
    try:
        submission = SubmissionIn.model_validate(raw)
    except ValidationError as error:
        for e in error.errors():
            field = ".".join(str(p) for p in e["loc"]) or "(row)"
            problems.append(Problem(source, locator, field, str(e.get("input"))[:80], e["msg"]))
        return
    if patient:
        found.append(Parsed(patient, submission, locator))


def parse_fhir(text: str, source: str) -> tuple[list[Parsed], list[Problem]]:
    """QuestionnaireResponse resources (alone or in a Bundle), validated with fhir.resources R4B
    (imported here: ~0.1 s that ``oncoboard alerts list`` and the other PRO reads do not need)."""
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        return [], [Problem(source, f"line {error.lineno}", "(file)", "", f"JSON ({error.msg})")]
    resources = _resources(doc)
    found: list[Parsed] = []
    problems: list[Problem] = []
    if not resources:
        problems.append(
            Problem(
                source,
                "(file)",
                "resourceType",
                str(doc.get("resourceType") if isinstance(doc, dict) else type(doc).__name__),
                "QuestionnaireResponse or a Bundle of them",
            )
        )
    for index, resource in enumerate(resources, start=1):
        locator = f"entry {index} (QuestionnaireResponse/{resource.get('id', '?')})"
        try:
            model = QuestionnaireResponse.model_validate(resource)
        except ValidationError as error:
            for e in error.errors()[:10]:
                field = "QuestionnaireResponse." + ".".join(str(p) for p in e["loc"])
                problems.append(
                    Problem(
                        source,
                        locator,
                        field,
                        repr(e.get("input"))[:80],
                        f"valid FHIR R4 ({e['msg']})",
                    )
                )
            continue
        _from_model(model, source, locator, found, problems)
    return found, problems


def _resources(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict):
        return []
    if doc.get("resourceType") == "QuestionnaireResponse":
        return [doc]
    if doc.get("resourceType") == "Bundle":
        return [
            e["resource"]
            for e in doc.get("entry") or []
            if isinstance(e, dict)
            and isinstance(e.get("resource"), dict)
            and e["resource"].get("resourceType") == "QuestionnaireResponse"
        ]
    return []


def _from_model(
    model: QuestionnaireResponse,
    source: str,
    locator: str,
    found: list[Parsed],
    problems: list[Problem],
) -> None:
    if model.status not in ("completed", "amended"):
        problems.append(
            Problem(source, locator, "status", str(model.status), "completed or amended")
        )
    reference = (model.subject.reference if model.subject else None) or ""
    if not reference.startswith("Patient/"):
        problems.append(Problem(source, locator, "subject.reference", reference, "Patient/<id>"))
    # R4: QuestionnaireResponse.identifier is 0..1
    key = model.identifier.value if model.identifier is not None else None
    key = key or (f"fhir:{model.id}" if model.id else None)
    if key is None:
        problems.append(
            Problem(source, locator, "identifier", "", "an identifier value or a resource id")
        )
    questionnaire = (model.questionnaire or "").split("|")[0].rstrip("/").rsplit("/", 1)[-1]
    answers: dict[str, Any] = {}
    urgent: bool | None = None
    for link, answer in _answers(model.item or []):
        if link == "urgent":
            urgent = answer.valueBoolean
        else:
            answers[link] = _answer_value(answer)
    raw = {
        "questionnaire_id": questionnaire,
        "idempotency_key": key or "missing",
        "authored_at": model.authored.isoformat()
        if isinstance(model.authored, datetime)
        else model.authored,
        "answers": answers,
        "urgent": urgent,
    }
    _add(found, problems, reference.removeprefix("Patient/"), raw, source, locator)


def _answers(items: list[Any]) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for item in items:
        for answer in item.answer or []:
            found.append((item.linkId, answer))
            found += _answers(answer.item or [])
        found += _answers(item.item or [])
    return found


def _answer_value(answer: Any) -> int | str:
    if answer.valueInteger is not None:
        return int(answer.valueInteger)
    if answer.valueCoding is not None and answer.valueCoding.code is not None:
        return _cell(str(answer.valueCoding.code))
    if answer.valueString is not None:
        return _cell(str(answer.valueString))
    return "(no valueInteger, valueCoding or valueString)"


def import_file(
    session: Session,
    *,
    actor: Actor,
    config: MonitoringConfig,
    path: Path,
    now: datetime | None = None,
) -> ImportReport:
    """Validate the whole file, then store every submission through the gate, or nothing."""
    # role first, so a caller who may not report symptoms learns nothing about the file
    gate.authorize(
        session,
        actor=actor,
        action=Action.REPORT_SYMPTOMS,
        purpose=Purpose.TREATMENT,
        obj=f"pro import {path.name}",
    )
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    text = data.decode("utf-8-sig", errors="replace")
    kind = "fhir" if path.suffix.lower() == ".json" or text.lstrip().startswith("{") else "csv"
    parsed, problems = (parse_fhir if kind == "fhir" else parse_csv)(text, path.name)
    problems += _check(session, config, parsed, path.name)
    if problems:
        raise InputError(
            f"{path.name}: {len(problems)} problem(s); 0 of {len(parsed)} submissions imported",
            problems,
        )
    accesses: dict[str, Access] = {}
    created: list[str] = []
    unchanged = alerts = 0
    for item in parsed:
        if item.patient_id not in accesses:
            accesses[item.patient_id] = gate.authorize(
                session,
                actor=actor,
                action=Action.REPORT_SYMPTOMS,
                purpose=Purpose.TREATMENT,
                obj=f"pro import {path.name}",
                patient_id=item.patient_id,
            )
        out = service.submit(
            session,
            access=accesses[item.patient_id],
            config=config,
            submission=item.submission,
            source=service.SubmissionSource(kind, path.name, digest, item.locator),
            now=now,
        )
        if out.replayed:
            unchanged += 1
        else:
            created.append(out.submission_id)
            alerts += len(out.alerts)
    return ImportReport(
        source=path.name,
        sha256=digest,
        format=kind,
        created=len(created),
        unchanged=unchanged,
        submission_ids=created,
        alerts=alerts,
    )


def _check(
    session: Session, config: MonitoringConfig, parsed: list[Parsed], source: str
) -> list[Problem]:
    """Answers and patients checked for every row before anything is written."""
    problems: list[Problem] = []
    known = set(
        session.scalars(
            select(PatientRow.external_id).where(
                PatientRow.external_id.in_({p.patient_id for p in parsed})
            )
        )
    )
    for item in parsed:
        if item.patient_id not in known:
            problems.append(
                Problem(
                    source, item.locator, "patient_id", item.patient_id, "a patient in the record"
                )
            )
        questionnaire = config.questionnaires.get(item.submission.questionnaire_id)
        if questionnaire is None:
            problems.append(
                Problem(
                    source,
                    item.locator,
                    "questionnaire_id",
                    item.submission.questionnaire_id,
                    f"one of {', '.join(sorted(config.questionnaires))}",
                )
            )
            continue
        problems += check_answers(
            questionnaire,
            config.library,
            item.submission.answers,
            source=source,
            locator=item.locator,
        )[1]
    return problems
