# SPDX-License-Identifier: Apache-2.0
"""The coordinator: registered sites, and one question fanned out to all of them at once.

Registering sites (keys stored encrypted), asking them (``transport.fan_out``: signed requests,
per-site deadlines and retries) and totalling what they answered; each answer is checked to be
an OncoBoard Beacon answer, and every question and each site's status are audited here.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.errors import Conflict, InputError, NotFound, PermissionDenied, Problem
from oncoboard.federation import auth, beacon
from oncoboard.federation.engine import total
from oncoboard.federation.models import SiteRow
from oncoboard.federation.schemas import (
    Catalogue,
    CohortQuery,
    CountAnswer,
    EntryType,
    FederatedResult,
    Granularity,
    SiteOut,
    SiteResult,
)
from oncoboard.federation.transport import Reply, Target, fan_out
from oncoboard.governance import audit, gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.record.models import utcnow


def authorize_admin(session: Session, actor: Actor, what: str) -> Access:
    """Managing the network's sites is site IT's work (administer, operations)."""
    return gate.authorize(
        session, actor=actor, action=Action.ADMINISTER, purpose=Purpose.OPERATIONS, obj=what
    )


def authorize_research(session: Session, actor: Actor, what: str) -> Access:
    """Asking the network is federated analysis by a researcher (audited here too)."""
    return gate.authorize(
        session,
        actor=actor,
        action=Action.QUERY_AGGREGATE,
        purpose=Purpose.FEDERATED_ANALYSIS,
        obj=what[:256],
    )


def add_site(
    *,
    session: Session,
    access: Access,
    name: str,
    base_url: str,
    access_key: str,
    secret_key: str,
    timeout_s: float = 2.0,
    retries: int = 1,
) -> SiteOut:
    """Register a site with the access key its administrator issued (stored encrypted)."""
    gate.require(access, Action.ADMINISTER, patient_scoped=False)
    problems = _check_site(name, base_url, timeout_s, retries)
    if problems:
        raise InputError(f"site {name!r}: {len(problems)} problem(s)", problems)
    key = auth.AccessKey.parse(access_key)
    if session.scalar(select(SiteRow).where(SiteRow.name == name)) is not None:
        raise Conflict(f"site {name!r} is registered already; remove it first to replace its key")
    row = SiteRow(
        name=name,
        base_url=base_url.rstrip("/"),
        key_id=key.key_id,
        site_public_key=key.site_public_key,
        encrypted_private_key=auth.encrypt(secret_key, auth.private_bytes(key.private_key)),
        timeout_s=timeout_s,
        retries=retries,
        added_by=access.actor.username,
    )
    session.add(row)
    session.flush()
    return site_out(row)


def _check_site(name: str, base_url: str, timeout_s: float, retries: int) -> list[Problem]:
    problems = []
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(Problem("site", name, "url", base_url, "http(s)://host[:port]/api/beacon"))
    if not 0.05 <= timeout_s <= 120:
        problems.append(Problem("site", name, "timeout", str(timeout_s), "0.05–120 seconds"))
    if not 0 <= retries <= 5:
        problems.append(Problem("site", name, "retries", str(retries), "0–5"))
    if (
        not name
        or len(name) > 64
        or not name.replace("-", "").replace("_", "").replace(".", "").isalnum()
    ):
        problems.append(
            Problem("site", name, "name", name, "letters, digits, '.', '-', '_' (≤ 64)")
        )
    return problems


def remove_site(*, session: Session, access: Access, name: str) -> SiteOut:
    gate.require(access, Action.ADMINISTER, patient_scoped=False)
    row = _site(session, name)
    session.delete(row)
    return site_out(row)


def list_sites(session: Session) -> list[SiteOut]:
    return [site_out(r) for r in session.scalars(select(SiteRow).order_by(SiteRow.name))]


def site_out(row: SiteRow) -> SiteOut:
    return SiteOut(
        name=row.name,
        base_url=row.base_url,
        key_id=row.key_id,
        site_key_fingerprint=auth.fingerprint(row.site_public_key),
        timeout_s=row.timeout_s,
        retries=row.retries,
        added_at=row.added_at,
        added_by=row.added_by,
        last_checked_at=row.last_checked_at,
        last_status=row.last_status,
        last_error=row.last_error,
        catalogue=Catalogue.model_validate(row.catalogue) if row.catalogue else None,
    )


def _site(session: Session, name: str) -> SiteRow:
    row = session.scalar(select(SiteRow).where(SiteRow.name == name))
    if row is None:
        raise NotFound(f"no site named {name!r} (oncoboard federation sites list)")
    return row


def targets(session: Session, secret_key: str, names: list[str] | None = None) -> list[Target]:
    rows = (
        [_site(session, n) for n in names]
        if names
        else list(session.scalars(select(SiteRow).order_by(SiteRow.name)))
    )
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return [
        Target(
            name=r.name,
            base_url=r.base_url,
            key=auth.AccessKey(
                r.key_id,
                r.site_public_key,
                Ed25519PrivateKey.from_private_bytes(
                    auth.decrypt(secret_key, r.encrypted_private_key)
                ),
            ),
            timeout_s=r.timeout_s,
            retries=r.retries,
        )
        for r in rows
    ]


def query(
    *,
    session: Session,
    access: Access,
    cohort: CohortQuery,
    entry_type: EntryType,
    granularity: Granularity,
    secret_key: str,
    sites: list[str] | None = None,
) -> FederatedResult:
    """Ask every (or the named) site at once; total what answered; say what did not."""
    gate.require(access, Action.QUERY_AGGREGATE, patient_scoped=False)
    chosen = targets(session, secret_key, sites)
    if not chosen:
        raise NotFound("no site is registered (oncoboard federation sites add)")
    body = json.dumps(beacon.request_body(cohort, granularity)).encode()
    started = time.perf_counter()
    results = fan_out(chosen, "POST", f"/{entry_type}", body, access.actor.username)
    seconds = time.perf_counter() - started
    answers = [_answer(r, entry_type) for r in results]
    summed = total(answers)
    _record(session, results)
    outcome = FederatedResult(
        query=cohort,
        description=cohort.describe(),
        entry_type=entry_type,
        granularity=granularity,
        sites=answers,
        asked=len(answers),
        answered=summed.answered,
        total_low=summed.low,
        total_high=summed.high,
        total_exact=summed.exact,
        total_noisy=summed.noisy,
        exists=summed.exists,
        seconds=round(seconds, 4),
    )
    audit.append(
        session,
        audit.AuditEvent(
            actor=access.actor.username,
            roles=access.actor.roles_text,
            action=access.action.value,
            purpose=access.purpose.value,
            object=f"federated {entry_type} answer",
            outcome="allowed",
            reason="; ".join(
                f"{a.site}: {a.status}" + (f" {a.answer.label()}" if a.answer else "")
                for a in answers
            )[:2000],
            request_id=access.actor.request_id,
        ),
    )
    return outcome


def _answer(reply: Reply, entry_type: EntryType) -> SiteResult:
    answer = None
    status, detail = reply.status, reply.detail
    if reply.document is not None:
        try:
            answer = CountAnswer.model_validate(reply.document["info"]["oncoboard"]["answer"])
            if (
                answer.exists != reply.document["responseSummary"]["exists"]
                or answer.entry_type != entry_type
            ):
                raise ValueError("the answer contradicts its own summary")
        except (KeyError, TypeError, ValueError) as error:
            status, detail, answer = "error", f"not an OncoBoard Beacon answer: {error}"[:300], None
    return SiteResult(
        site=reply.site,
        status=status,
        answer=answer,
        detail=detail,
        attempts=reply.attempts,
        seconds=round(reply.seconds, 4),
    )


def _record(session: Session, replies: list[Reply]) -> None:
    now = utcnow()
    for reply in replies:
        row = session.scalar(select(SiteRow).where(SiteRow.name == reply.site))
        if row is not None:
            row.last_checked_at, row.last_status, row.last_error = now, reply.status, reply.detail


def check(
    *, session: Session, access: Access, secret_key: str, sites: list[str] | None = None
) -> list[SiteOut]:
    """Ask each site for its catalogue (proving both keys work) and keep what it says."""
    if access.action not in (Action.ADMINISTER, Action.QUERY_AGGREGATE):
        raise PermissionDenied("checking sites needs administer or query_aggregate")
    chosen = targets(session, secret_key, sites)
    replies = fan_out(chosen, "GET", "/catalogue", b"", access.actor.username)
    for reply in replies:
        row = _site(session, reply.site)
        row.last_checked_at, row.last_status, row.last_error = utcnow(), reply.status, reply.detail
        if reply.document is not None:
            try:
                row.catalogue = Catalogue.model_validate(reply.document).model_dump(mode="json")
            except ValueError as error:
                row.last_status, row.last_error = "error", f"not a catalogue: {error}"[:300]
    session.flush()
    return [site_out(_site(session, r.site)) for r in replies]
