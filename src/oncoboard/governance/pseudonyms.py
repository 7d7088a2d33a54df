# SPDX-License-Identifier: Apache-2.0
"""Research answers carry pseudonyms, never a patient's id, name, birth date or record numbers.

A researcher's feasibility answer used to list patient ids with criteria judged on "Ana Rivera,
born 1961-…". Every answer given for a secondary purpose (research, federated analysis, model
training) passes through :func:`for_research`: each patient id becomes a keyed pseudonym
(HMAC-SHA256 with a random per-database key, so the same patient keeps the same pseudonym
across questions, and it cannot be recomputed outside this database), and the patient's name,
birth date and recorded identifiers are withheld wherever they appear in the answer's text.
GDPR Art. 4(5): pseudonymised data is still personal data; this limits exposure, it does not
anonymise (counts and rare combinations can still single someone out).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.governance.gate import Access
from oncoboard.governance.models import SiteSecretRow
from oncoboard.governance.vocabulary import Purpose
from oncoboard.record.models import FactRow, PatientRow
from oncoboard.store.db import insert_or_skip

KEY_NAME = "research_pseudonym_key"
PREFIX = "RP-"
PSEUDONYMISED = frozenset({Purpose.RESEARCH, Purpose.FEDERATED_ANALYSIS, Purpose.MODEL_TRAINING})
NAME_WITHHELD = "[name withheld]"
BIRTH_DATE_WITHHELD = "[birth date withheld]"
IDENTIFIER_WITHHELD = "[identifier withheld]"
Answer = TypeVar("Answer", bound=BaseModel)


def key(session: Session) -> bytes:
    """This database's pseudonym key, made on first use (a race keeps the first one)."""
    stored = session.scalar(select(SiteSecretRow.value).where(SiteSecretRow.name == KEY_NAME))
    if stored is None:
        insert = insert_or_skip(session, SiteSecretRow, ("name",))
        session.execute(insert, {"name": KEY_NAME, "value": secrets.token_hex(32)})
        stored = session.scalar(select(SiteSecretRow.value).where(SiteSecretRow.name == KEY_NAME))
    return bytes.fromhex(str(stored))


def pseudonym(secret: bytes, patient_id: str) -> str:
    """``RP-`` and 16 base32 characters (80 bits) of HMAC-SHA256(key, patient id)."""
    digest = hmac.new(secret, patient_id.encode("utf-8"), hashlib.sha256).digest()
    return PREFIX + base64.b32encode(digest[:10]).decode("ascii")


def for_research(session: Session, answer: Answer, *, access: Access) -> Answer:
    """``answer`` as a secondary-use caller may see it; a treatment answer is returned as is."""
    if access.purpose not in PSEUDONYMISED:
        return answer
    data = answer.model_dump(mode="json")
    patients = sorted(set(_patient_ids(data)))
    if not patients:
        return answer
    replacements = _replacements(session, key(session), patients)
    pattern = re.compile(
        r"(?<![A-Za-z0-9])("
        + "|".join(re.escape(v) for v in sorted(replacements, key=len, reverse=True))
        + r")(?![A-Za-z0-9])"
    )
    scrubbed = _walk(data, lambda text: pattern.sub(lambda m: replacements[m.group(1)], text))
    return type(answer).model_validate(scrubbed)


def _patient_ids(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for name, inner in value.items():
            if name == "patient_id" and isinstance(inner, str):
                yield inner
            else:
                yield from _patient_ids(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _patient_ids(inner)


def _replacements(session: Session, secret: bytes, patients: list[str]) -> dict[str, str]:
    """Each patient's id → pseudonym; their recorded name, birth date, identifiers → withheld."""
    found = {p: pseudonym(secret, p) for p in patients}
    rows = session.execute(
        select(FactRow.payload)
        .join(PatientRow, PatientRow.id == FactRow.patient_id)
        .where(PatientRow.external_id.in_(patients), FactRow.kind == "demographics")
    ).scalars()
    for payload in rows:
        if not isinstance(payload, dict):
            continue
        listed: Any = payload.get("identifiers") or ()
        identifiers: list[Any] = list(listed)
        for text, label in (
            (payload.get("name"), NAME_WITHHELD),
            (payload.get("birth_date"), BIRTH_DATE_WITHHELD),
            *((i, IDENTIFIER_WITHHELD) for i in identifiers),
        ):
            if isinstance(text, str) and len(text.strip()) >= 2:
                found.setdefault(text.strip(), label)
    return found


def _walk(value: Any, scrub: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {name: _walk(inner, scrub) for name, inner in value.items()}
    if isinstance(value, list):
        return [_walk(inner, scrub) for inner in value]
    return value
