# SPDX-License-Identifier: Apache-2.0
"""Trial registry storage, patient matching and feasibility, all through the gate; never commits."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oncoboard.actionability.service import ALL_VARIANTS, propose_new
from oncoboard.errors import InputError, NotFound, PermissionDenied, Problem
from oncoboard.governance import gate, pseudonyms
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.vocabulary import Action, Purpose, allowed_purposes
from oncoboard.record import service as record_service
from oncoboard.record.models import PatientRow
from oncoboard.trials import compact, overrides, reread, similarity
from oncoboard.trials.compact import Compact
from oncoboard.trials.constraints import structure
from oncoboard.trials.engine import Screening, TrialCriteria, explain, match_trial
from oncoboard.trials.index import Head, ScreenIndex
from oncoboard.trials.models import TrialRow, TrialVersionRow
from oncoboard.trials.proposals import recommendations
from oncoboard.trials.registry import read_studies
from oncoboard.trials.schemas import (
    Criterion,
    CriterionState,
    Feasibility,
    FeasibilityPatient,
    PatientTrialMatches,
    TrialDetail,
    TrialImportItem,
    TrialImportReport,
    TrialList,
    TrialMatch,
    TrialRecord,
    TrialSummary,
    TrialVersionInfo,
    Verdict,
)

_CRITERIA = TypeAdapter(tuple[Criterion, ...])
# Registry reads carry no patient data: any role that reads records for care or research.
READ_ACCESS = ((Action.VIEW_RECORD, Purpose.TREATMENT), (Action.VIEW_RECORD, Purpose.RESEARCH))


def authorize_import(session: Session, actor: Actor, what: str) -> Access:
    """Changing the registry changes every patient's screening: administrators only."""
    return gate.authorize(
        session, actor=actor, action=Action.ADMINISTER, purpose=Purpose.OPERATIONS,
        obj=f"trial registry: import {what}"[:256],
    )  # fmt: skip


def authorize_read(session: Session, actor: Actor, what: str) -> Access:
    action, purpose = next(
        ((a, p) for a, p in READ_ACCESS if p in allowed_purposes(actor.roles, a)), READ_ACCESS[0]
    )
    return gate.authorize(
        session, actor=actor, action=action, purpose=purpose, obj=f"trial registry: {what}"[:256]
    )


def import_trials(
    *, session: Session, access: Access, data: bytes, source_name: str
) -> TrialImportReport:
    """All studies of one file or none; same version twice is a no-op, a newer one keeps history."""
    gate.require(access, Action.ADMINISTER, patient_scoped=False)
    records = read_studies(data, source_name)
    current = {
        row.nct_id: row
        for row in session.scalars(
            select(TrialRow).where(TrialRow.nct_id.in_([r.nct_id for r in records]))
        )
    }
    problems = [
        Problem(
            source_name,
            r.locator,
            "statusModule.lastUpdateSubmitDate",
            r.version,
            f"a version newer than the stored {current[r.nct_id].version}",
        )
        for r in records
        if r.nct_id in current
        and current[r.nct_id].content_sha256 != r.content_sha256
        and r.version <= current[r.nct_id].version
    ]
    if problems:
        raise InputError(f"{source_name}: {len(problems)} problem(s); 0 studies imported", problems)
    items = [_store(session, access, record, current.get(record.nct_id)) for record in records]
    session.flush()
    return TrialImportReport(
        source_name=source_name, sha256=hashlib.sha256(data).hexdigest(), items=tuple(items)
    )


def _store(
    session: Session, access: Access, record: TrialRecord, row: TrialRow | None
) -> TrialImportItem:
    if row is not None and row.content_sha256 == record.content_sha256:
        if not reread.is_current(row.screen):  # same text, read by older readers: store anew
            reread.reread(row)
        return TrialImportItem(nct_id=record.nct_id, version=record.version, outcome="unchanged")
    criteria = structure(record.eligibility)
    payload = record.model_dump(mode="json")
    previous = row.version if row is not None else None
    if row is None:
        row = TrialRow(nct_id=record.nct_id)
        session.add(row)
    row.version, row.content_sha256 = record.version, record.content_sha256
    row.brief_title, row.overall_status = record.brief_title, record.overall_status
    row.record = payload
    reread.store_reading(row, criteria)
    row.imported_at, row.imported_by = datetime.now(UTC), access.actor.username
    session.flush()
    session.add(
        TrialVersionRow(
            trial_id=row.id, version=record.version, content_sha256=record.content_sha256,
            record=payload, source_name=record.source_name, imported_by=access.actor.username,
        )
    )  # fmt: skip
    outcome = "created" if previous is None else "updated"
    return TrialImportItem(
        nct_id=record.nct_id, version=record.version, outcome=outcome, previous_version=previous
    )


def list_trials(
    *, session: Session, access: Access, limit: int = 100, offset: int = 0
) -> TrialList:
    _require_read(access)
    total = int(session.scalar(select(func.count()).select_from(TrialRow)) or 0)
    rows = session.scalars(select(TrialRow).order_by(TrialRow.nct_id).limit(limit).offset(offset))
    return TrialList(items=tuple(_summary(row) for row in rows), total=total)


def _summary(row: TrialRow) -> TrialSummary:
    record: dict[str, Any] = dict(row.record)
    criteria: list[dict[str, Any]] = list(row.criteria)  # type: ignore[arg-type]
    return TrialSummary(
        nct_id=row.nct_id,
        version=row.version,
        brief_title=row.brief_title,
        overall_status=row.overall_status,
        phases=tuple(record.get("phases") or ()),
        conditions=tuple(record.get("conditions") or ()),
        criteria_count=len(criteria),
        structured_count=sum(1 for c in criteria if c.get("constraints")),
        imported_at=row.imported_at,
    )


def get_trial(*, session: Session, access: Access, nct_id: str) -> TrialDetail:
    _require_read(access)
    row = _row(session, nct_id)
    history = session.scalars(
        select(TrialVersionRow)
        .where(TrialVersionRow.trial_id == row.id)
        .order_by(TrialVersionRow.id)
    )
    return TrialDetail(
        trial=TrialRecord.model_validate(row.record),
        criteria=_current_criteria(row.criteria, row.screen, row.record),
        history=tuple(
            TrialVersionInfo(
                version=v.version, content_sha256=v.content_sha256, source_name=v.source_name,
                imported_at=v.imported_at, imported_by=v.imported_by,
            )
            for v in history
        ),
        imported_at=row.imported_at,
    )  # fmt: skip


# Per (NCT id, content sha256): a stored version never changes, so its payload is read once per
# process; later matches only read ids and hashes. The index is rebuilt when any of them changes.
_COMPACT: dict[tuple[str, str], tuple[Head, Compact]] = {}
_FULL: dict[tuple[str, str], TrialCriteria] = {}
_INDEX: dict[tuple[object, ...], ScreenIndex] = {}
_COMPACT_MAX, _FULL_MAX, _CHUNK = 50_000, 2_000, 500


def screen_index(session: Session) -> ScreenIndex:
    """Every stored trial's structured criteria as one index (the engine's input), cached.

    Every write to ``trials`` goes through ``_store`` (a new row, or a new version stamped with
    the import time) and none deletes: row count, highest id and latest import time change with
    any write, so they stand for the registry's content without reading 10,000 keys per match.
    """
    fingerprint = _fingerprint(session)
    cached = _INDEX.get(fingerprint)
    if cached is not None:
        return cached
    keys = tuple(
        (str(nct), str(sha))
        for nct, sha in session.execute(
            select(TrialRow.nct_id, TrialRow.content_sha256).order_by(TrialRow.nct_id)
        )
    )
    missing = [key for key in keys if key not in _COMPACT]
    if len(_COMPACT) + len(missing) > _COMPACT_MAX:
        _COMPACT.clear()
        _FULL.clear()
        compact.reset()
        missing = list(keys)
    _load_compact(session, missing)
    _INDEX.clear()
    present = [_COMPACT[key] for key in keys if key in _COMPACT]
    index = _INDEX[fingerprint] = ScreenIndex([h for h, _ in present], [c for _, c in present])
    return index


def _load_compact(session: Session, keys: Sequence[tuple[str, str]]) -> None:
    wanted = set(keys)
    columns = select(
        TrialRow.nct_id, TrialRow.content_sha256, TrialRow.version, TrialRow.brief_title,
        TrialRow.screen,
    )  # fmt: skip
    queries = (
        [columns]
        if len(keys) > _CHUNK
        else [columns.where(TrialRow.nct_id.in_([n for n, _ in keys]))]
    )
    stale = []
    for query in queries:
        for nct, sha, version, title, payload in session.execute(query):
            if (nct, sha) not in wanted:
                continue
            found = compact.decode(payload)
            if found is None:  # written before the payload (or in another format)
                stale.append((nct, sha))
                continue
            _COMPACT[(nct, sha)] = (Head(nct, version, title), found)
    for trial in _load_full(session, stale):
        key = (trial.nct_id, _sha_of(stale, trial.nct_id))
        _COMPACT[key] = (trial.head(), compact.of_criteria(trial.criteria))


def _sha_of(keys: Sequence[tuple[str, str]], nct_id: str) -> str:
    return next(sha for nct, sha in keys if nct == nct_id)


def _load_full(session: Session, keys: Sequence[tuple[str, str]]) -> list[TrialCriteria]:
    """The trials' whole criteria (texts included), validated once per version and cached."""
    missing = [key for key in keys if key not in _FULL]
    if len(_FULL) + len(missing) > _FULL_MAX:
        _FULL.clear()
    rows = select(
        TrialRow.nct_id, TrialRow.content_sha256, TrialRow.version, TrialRow.brief_title,
        TrialRow.criteria, TrialRow.screen, TrialRow.record,
    )  # fmt: skip
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start : start + _CHUNK]
        for nct, sha, version, title, criteria, screen, record in session.execute(
            rows.where(TrialRow.nct_id.in_([n for n, _ in chunk]))
        ):
            parsed = _current_criteria(criteria, screen, record)
            _FULL[(nct, sha)] = TrialCriteria.of(nct, version, title, parsed)
    return [_FULL[key] for key in keys if key in _FULL]


def _current_criteria(criteria: Any, screen: Any, record: Any) -> tuple[Criterion, ...]:
    """The stored criteria, or, when they were read by an older reader (their matching payload
    is of another ``compact.FORMAT``), the registry text read again by the current one."""
    if reread.is_current(screen):
        return _CRITERIA.validate_python(criteria)
    return structure(TrialRecord.model_validate(record).eligibility)


def load_criteria(session: Session, nct_ids: Sequence[str] | None = None) -> list[TrialCriteria]:
    """Stored trials' whole criteria (all, or the ones named), cached by content."""
    query = select(TrialRow.nct_id, TrialRow.content_sha256)
    if nct_ids is not None:
        query = query.where(TrialRow.nct_id.in_(nct_ids))
    keys = [(str(nct), str(sha)) for nct, sha in session.execute(query.order_by(TrialRow.nct_id))]
    return _load_full(session, keys)


def match_patient(
    *, session: Session, access: Access, today: date | None = None,
    propose_with: Access | None = None, detail: int | None = 200,
) -> PatientTrialMatches:  # fmt: skip
    """Rank every stored trial for the patient; with ``propose_with`` (edit access) store the
    trials not excluded as TRIAL recommendations for a coordinator to decide on."""
    gate.require(access, Action.VIEW_RECORD)
    record = record_service.get_patient_record(
        session=session, access=access, variant_limit=ALL_VARIANTS
    )
    screening = Screening.of(record, today or date.today())
    index = screen_index(session)

    def full(positions: list[int]) -> list[TrialCriteria | None]:
        keys = [(index.heads[p].nct_id, index.heads[p].version) for p in positions]
        loaded = {t.nct_id: t for t in load_criteria(session, [nct for nct, _ in keys])}
        # a version replaced since the index was read is left unexplained (ranked as indexed)
        return [
            t if (t := loaded.get(nct)) is not None and t.version == version else None
            for nct, version in keys
        ]

    decided = overrides.apply(
        explain(index, screening, detail, full), overrides.latest(session, record.patient_id)
    )
    matches = _by_fit_then_text(session, record, decided, today)
    ids: list[str] = []
    if propose_with is not None:
        versions = dict(session.execute(select(TrialRow.nct_id, TrialRow.content_sha256)).all())
        proposed = recommendations(record, matches, versions)
        ids = propose_new(session, access=propose_with, proposed=proposed)
    return PatientTrialMatches(
        patient_id=record.patient_id, matches=tuple(matches), recommendation_ids=tuple(ids)
    )


_ORDER = {Verdict.CANDIDATE: 0, Verdict.NEEDS_REVIEW: 1, Verdict.EXCLUDED: 2}


def _by_fit_then_text(
    session: Session, record: Any, matches: list[TrialMatch], today: date | None
) -> list[TrialMatch]:
    """Decided fit first (candidates, needs review, excluded; more criteria met, fewer unknown),
    then text similarity between the patient and the trial (explained trials only)."""
    explained = [m.nct_id for m in matches if m.criteria]
    if not explained:
        return matches
    fingerprint = _fingerprint(session)

    def corpus() -> dict[str, str]:
        rows = session.execute(select(TrialRow.nct_id, TrialRow.record))
        return {str(nct): similarity.trial_text(rec) for nct, rec in rows}

    query = similarity.patient_text(record, today or date.today())
    scored = similarity.scores(fingerprint, corpus, query, explained)
    with_scores = [
        m.model_copy(update={"text_score": round(scored[m.nct_id], 4)}) if m.nct_id in scored else m
        for m in matches
    ]
    return sorted(
        with_scores,
        key=lambda m: (
            _ORDER[m.verdict], -m.met, m.unknown, -(m.text_score or 0.0), m.nct_id,
        ),
    )  # fmt: skip


def _fingerprint(session: Session) -> tuple[object, ...]:
    return tuple(
        session.execute(
            select(func.count(), func.max(TrialRow.id), func.max(TrialRow.imported_at))
        ).one()
    )


def override_criterion(
    *, session: Session, access: Access, decide: Access, nct_id: str, criterion_id: str,
    state: str, reason: str, today: date | None = None,
) -> TrialMatch:  # fmt: skip
    """Record a clinician's decision on one criterion and return the trial's match with it
    applied; ``access`` reads the record, ``decide`` allows deciding for the same patient."""
    gate.require(decide, Action.DECIDE)
    if decide.patient_id != access.patient_id:
        raise PermissionDenied("the decision and the record read are for different patients")
    trial = load_criteria(session, [nct_id.strip().upper()])
    if not trial:
        raise NotFound(f"trial {nct_id!r} not in the registry")
    record = record_service.get_patient_record(
        session=session, access=access, variant_limit=ALL_VARIANTS
    )
    screening = Screening.of(record, today or date.today())
    current = overrides.apply(
        [match_trial(trial[0], screening)], overrides.latest(session, record.patient_id)
    )[0]
    overrides.record_override(
        session=session, access=decide, match=current, criterion_id=criterion_id,
        state=state, reason=reason,
    )  # fmt: skip
    return overrides.apply(
        [match_trial(trial[0], screening)], overrides.latest(session, record.patient_id)
    )[0]


def feasibility(
    *, session: Session, access: Access, actor: Actor, nct_id: str, today: date | None = None
) -> Feasibility:
    """Patients who may be eligible (not excluded), each read under their own research consent."""
    gate.require(access, Action.VIEW_RECORD, patient_scoped=False)
    if access.purpose != Purpose.RESEARCH:
        raise PermissionDenied("feasibility is a research use: purpose must be research")
    trial = load_criteria(session, [nct_id])
    if not trial:
        raise NotFound(f"trial {nct_id!r} not in the registry")
    visible = session.scalars(
        select(PatientRow.external_id)
        .where(gate.visible_patients(access.actor, Purpose.RESEARCH))
        .order_by(PatientRow.external_id)
    ).all()
    out = []
    for patient_id in visible:
        per_patient = gate.authorize(
            session, actor=actor, action=Action.VIEW_RECORD, purpose=Purpose.RESEARCH,
            obj=f"trial feasibility {nct_id}", patient_id=patient_id,
        )  # fmt: skip
        record = record_service.get_patient_record(
            session=session, access=per_patient, variant_limit=ALL_VARIANTS
        )
        match = match_trial(trial[0], Screening.of(record, today or date.today()))
        if match.verdict is not Verdict.EXCLUDED:
            # once a cohort fits, the other cohorts' open items are alternatives, not open
            still_open = tuple(
                c for c in match.criteria
                if c.state in (CriterionState.UNKNOWN, CriterionState.NEEDS_REVIEW)
                and not (c.cohort and match.cohorts_fitting)
            )  # fmt: skip
            out.append(
                FeasibilityPatient(
                    patient_id=patient_id, verdict=match.verdict, open_criteria=still_open
                )
            )
    result = Feasibility(
        nct_id=nct_id, version=trial[0].version, screened=len(visible), possibly_eligible=tuple(out)
    )
    # research answers carry pseudonyms, never direct identifiers (governance/pseudonyms.py)
    return pseudonyms.for_research(session, result, access=access)


def _require_read(access: Access) -> None:
    if (access.action, access.purpose) not in READ_ACCESS:
        raise PermissionDenied(f"access was granted for {access.action.value}, not a registry read")


def _row(session: Session, nct_id: str) -> TrialRow:
    row = session.scalar(select(TrialRow).where(TrialRow.nct_id == nct_id.strip().upper()))
    if row is None:
        raise NotFound(f"trial {nct_id!r} not in the registry")
    return row
