# SPDX-License-Identifier: Apache-2.0
"""A patient's cancers with their stage, TNM M category and metastases, the cancer being
treated first.

A patient can carry more than one cancer condition (a cured earlier cancer, a second primary):
the stage of "the cancer" is the stage of the one being treated, never simply the first in the
record. Stage comes from the condition itself (``Condition.stage``) and from staging
Observations (mCODE TNM stage group, T/N/M categories) that the importer keeps as facts of their
own; an Observation is attributed to a condition only when the patient has one primary cancer
(the fact does not say which condition it stages). Sources that disagree on the stage group are
reported as a conflict, never resolved by picking one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from oncoboard.record.schemas import Biomarker, CancerCondition, PatientRecord, RecordedFact

STAGE_GROUPS = ("0", "I", "II", "III", "IV")
_GROUP = re.compile(r"^\s*(?:stage\s*)?(IV|I{1,3}|0)(?:[A-C]\d?)?(?![A-Za-z])", re.IGNORECASE)
_M = re.compile(r"\b[cpy]{0,2}(M[01])[a-d]?\b", re.IGNORECASE)
_INACTIVE = ("resolved", "remission", "inactive")


@dataclass(frozen=True)
class Staging:
    """The stage group (``0``-``IV``) as recorded, and the M category, with the facts they came
    from; ``conflict`` names disagreeing sources (then ``group`` is None)."""

    group: str | None = None
    recorded: str | None = None
    facts: tuple[RecordedFact, ...] = ()
    m_category: tuple[str, RecordedFact] | None = None
    conflict: str | None = None


@dataclass(frozen=True)
class Cancer:
    fact: RecordedFact
    condition: CancerCondition
    staging: Staging
    metastases: tuple[RecordedFact, ...] = ()

    @property
    def active(self) -> bool:
        return (self.condition.clinical_status or "active").lower() not in _INACTIVE


def stage_group(text: str | None) -> str | None:
    """``IIIC`` → ``III``; ``Stage IVB`` → ``IV``; other staging systems → None.

    Examples
    --------
    >>> stage_group("IIB (qualifier value)"), stage_group("Stage IVA"), stage_group("Binet B")
    ('II', 'IV', None)
    """
    found = _GROUP.match(text or "")
    return found.group(1).upper() if found else None


def cancers(record: PatientRecord) -> list[Cancer]:
    """Primary cancers, the one being treated first (active, then latest diagnosis)."""
    primaries = [
        f for f in record.conditions if isinstance(f.fact, CancerCondition) and f.fact.is_primary
    ]
    secondaries = tuple(
        f
        for f in record.conditions
        if isinstance(f.fact, CancerCondition) and not f.fact.is_primary
    )
    staging = [
        f for f in record.biomarkers if isinstance(f.fact, Biomarker) and _is_staging(f.fact.name)
    ]
    single = len(primaries) == 1
    ordered = sorted(
        enumerate(primaries),
        key=lambda p: (_inactive(p[1]), _negated_date(p[1]), p[0]),
    )
    out = []
    for rank, (_, fact) in enumerate(ordered):
        condition = fact.fact
        assert isinstance(condition, CancerCondition)
        observations = staging if single else []
        others_inactive = all(_inactive(p) for _, p in ordered[1:])
        metastases = secondaries if rank == 0 and (single or others_inactive) else ()
        out.append(Cancer(fact, condition, _staging(fact, observations), metastases))
    return out


def index_cancer(record: PatientRecord) -> Cancer | None:
    """The cancer being treated: the first of ``cancers``."""
    found = cancers(record)
    return found[0] if found else None


def _is_staging(name: str) -> bool:
    lowered = name.lower()
    return "stage group" in lowered or lowered in ("cm category", "pm category", "stage")


def _inactive(fact: RecordedFact) -> bool:
    status = getattr(fact.fact, "clinical_status", None) or "active"
    return str(status).lower() in _INACTIVE


def _negated_date(fact: RecordedFact) -> tuple[int, str]:
    onset = getattr(fact.fact, "onset", None)
    # latest onset first; undated after dated
    return (1, "") if not onset else (0, "".join(chr(255 - ord(c)) for c in str(onset)[:10]))


def _staging(condition: RecordedFact, observations: Sequence[RecordedFact]) -> Staging:
    found: list[tuple[str, str, RecordedFact]] = []
    own = getattr(condition.fact, "stage", None)
    if own and (group := stage_group(own)):
        found.append((group, own, condition))
    m_category: tuple[str, RecordedFact] | None = None
    for fact in observations:
        marker = fact.fact
        assert isinstance(marker, Biomarker)
        text = marker.value_text or ""
        if "m category" in marker.name.lower():
            m = _M.search(text)
            if m:
                m_category = (m.group(1).upper(), fact)
        elif group := stage_group(text):
            found.append((group, text.split(" (")[0], fact))
    groups = list(dict.fromkeys(g for g, _, _ in found))
    if len(groups) > 1:
        said = "; ".join(f"{text} ({_where(f)})" for _, text, f in found)
        return Staging(facts=tuple(f for _, _, f in found), m_category=m_category, conflict=said)
    if not groups:
        return Staging(m_category=m_category)
    return Staging(
        group=groups[0],
        recorded=found[0][1],
        facts=tuple(f for _, _, f in found),
        m_category=m_category,
    )


def _where(fact: RecordedFact) -> str:
    return f"{fact.provenance.source_name} {fact.provenance.locator}"
