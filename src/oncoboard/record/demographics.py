# SPDX-License-Identifier: Apache-2.0
"""One patient's demographics merged over every source that recorded them.

A patient imported from a cBioPortal study (``AGE``, ``SEX``) and from a FHIR bundle (birth date,
gender) has two demographics facts; taking the first one loses the birth date. Each field is
taken from the facts that state it, with the fact it came from; sources that disagree are a
conflict, named, and the field is left unknown rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from oncoboard.record.schemas import Demographics, RecordedFact

_ISO_AGE = re.compile(r"^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+)M)?", re.IGNORECASE)
_T = TypeVar("_T")
_SEX = {"f": "female", "female": "female", "m": "male", "male": "male"}


@dataclass(frozen=True)
class MergedDemographics:
    """Age in years today (from a birth date when one is recorded), sex, and any conflicts."""

    age: tuple[float, RecordedFact] | None
    age_from_birth_date: bool
    sex: tuple[str, RecordedFact] | None
    conflicts: tuple[str, ...] = ()


def merge(facts: Sequence[RecordedFact], today: date) -> MergedDemographics:
    """Merge a patient's demographics facts (in record order).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from oncoboard.record.schemas import Provenance
    >>> p = Provenance(source_name="s", source_sha256="0" * 64, locator="1", importer="t",
    ...                importer_version="1", import_id="i", imported_at=datetime.now(UTC))
    >>> cbio = RecordedFact(fact_id=1, fact=Demographics(sex="Male", age="P61Y"), provenance=p)
    >>> fhir = RecordedFact(fact_id=2, fact=Demographics(birth_date="1960-03-01"), provenance=p)
    >>> merged = merge([cbio, fhir], date(2026, 1, 15))
    >>> merged.age[0], merged.age_from_birth_date, merged.sex[0]
    (65.0, True, 'male')
    """
    demo = [f for f in facts if isinstance(f.fact, Demographics)]
    conflicts: list[str] = []
    born = _one(
        [(d, f) for f in demo if (d := _birth_date(f)) is not None], "birth date", conflicts
    )
    sex = _one([(s, f) for f in demo if (s := _sex(f)) is not None], "sex", conflicts)
    if born is not None:
        when, fact = born
        years = today.year - when.year - ((today.month, today.day) < (when.month, when.day))
        return MergedDemographics((float(years), fact), True, sex, tuple(conflicts))
    if any(c.startswith("birth date") for c in conflicts):
        return MergedDemographics(None, False, sex, tuple(conflicts))
    stated = _one([(a, f) for f in demo if (a := _stated_age(f)) is not None], "age", conflicts)
    return MergedDemographics(stated, False, sex, tuple(conflicts))


def _one(
    found: list[tuple[_T, RecordedFact]], what: str, conflicts: list[str]
) -> tuple[_T, RecordedFact] | None:
    values = list(dict.fromkeys(value for value, _ in found))
    if len(values) > 1:
        sources = "; ".join(
            f"{value} ({fact.provenance.source_name} {fact.provenance.locator})"
            for value, fact in found
        )
        conflicts.append(f"{what} differs between sources: {sources}")
        return None
    return found[0] if found else None


def _birth_date(fact: RecordedFact) -> date | None:
    text = getattr(fact.fact, "birth_date", None)
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _sex(fact: RecordedFact) -> str | None:
    text = getattr(fact.fact, "sex", None)
    return _SEX.get(str(text).strip().lower()) if text else None


def _stated_age(fact: RecordedFact) -> float | None:
    text = getattr(fact.fact, "age", None)
    if not text:
        return None
    found = _ISO_AGE.match(str(text).strip())
    if found and (found.group(1) or found.group(2)):
        return float(found.group(1) or 0) + float(found.group(2) or 0) / 12
    try:
        return float(text)
    except ValueError:
        return None
