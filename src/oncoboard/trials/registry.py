# SPDX-License-Identifier: Apache-2.0
"""Read ClinicalTrials.gov API v2 study JSON: one study, or a search page with ``studies``.

Field names follow the v2 data structure (``protocolSection.identificationModule.nctId`` …).
Every problem in the file is collected with its study and field, then the whole file is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from oncoboard.errors import InputError, Problem
from oncoboard.trials.schemas import Arm, Eligibility, Site, TrialRecord

# PRS Protocol Registration Data Element Definitions, "Minimum Age"/"Maximum Age": a number and a
# unit (Years, Months, Weeks, Days, Hours, Minutes), or "N/A (No limit)". API v2 omits the field
# when there is no limit; the classic format wrote "N/A". Both mean: no bound on that side.
_UNIT_YEARS = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 7 / 365.25,
    "day": 1 / 365.25,
    "hour": 1 / (365.25 * 24),
    "minute": 1 / (365.25 * 24 * 60),
}
_AGE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+(year|month|week|day|hour|minute)s?\s*$", re.I)
_NO_LIMIT = {"n/a", "n/a (no limit)", "no limit"}
_NCT_RE = re.compile(r"^NCT\d{8}$")
_SEXES = {"ALL", "FEMALE", "MALE"}


def parse_age(text: str | None) -> float | None:
    """Years as a float, ``None`` for no bound; anything else raises ``ValueError``.

    Examples
    --------
    >>> parse_age("18 Years"), parse_age("18 Months"), parse_age("N/A"), parse_age(None)
    (18.0, 1.5, None, None)
    """
    if text is None or text.strip().lower() in _NO_LIMIT:
        return None
    found = _AGE_RE.match(text)
    if found is None:
        raise ValueError(text)
    return round(float(found.group(1)) * _UNIT_YEARS[found.group(2).lower()], 6)


def read_studies(data: bytes, source_name: str) -> list[TrialRecord]:
    """Every study in a file; raises ``InputError`` naming each bad study and field."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        problem = Problem(source_name, "file", "(document)", str(error)[:80], "JSON")
        raise InputError(f"{source_name}: not JSON ({error})", [problem]) from error
    if isinstance(document, Mapping) and isinstance(document.get("studies"), list):
        studies: list[Any] = document["studies"]
    elif isinstance(document, Mapping):
        studies = [document]
    else:
        problem = Problem(source_name, "file", "(document)", type(document).__name__, "an object")
        raise InputError(f"{source_name}: not a CT.gov v2 study or search page", [problem])
    problems: list[Problem] = []
    records = []
    for index, study in enumerate(studies, start=1):
        record = _study(study, source_name, f"study {index}", problems)
        if record is not None:
            records.append(record)
    seen: dict[str, str] = {}
    for record in records:
        if record.nct_id in seen and seen[record.nct_id] != record.content_sha256:
            problems.append(
                Problem(source_name, record.locator, "nctId", record.nct_id, "each study once")
            )
        seen[record.nct_id] = record.content_sha256
    if problems:
        raise InputError(
            f"{source_name}: {len(problems)} problem(s); 0 of {len(studies)} studies imported",
            problems,
        )
    if not records:
        raise InputError(f"{source_name}: no studies in the file")
    return records


def _study(study: Any, source: str, locator: str, problems: list[Problem]) -> TrialRecord | None:
    if not isinstance(study, Mapping) or not isinstance(study.get("protocolSection"), Mapping):
        problems.append(Problem(source, locator, "protocolSection", "missing", "an object"))
        return None
    protocol = study["protocolSection"]
    ident = _module(protocol, "identificationModule")
    nct = str(ident.get("nctId") or "")
    where = f"{locator} ({nct})" if nct else locator
    before = len(problems)
    if not _NCT_RE.match(nct):
        problems.append(Problem(source, where, "identificationModule.nctId", nct, "NCT + 8 digits"))
    status = _module(protocol, "statusModule")
    version = str(status.get("lastUpdateSubmitDate") or _date(status, "lastUpdatePostDateStruct"))
    if not version:
        problems.append(
            Problem(source, where, "statusModule.lastUpdateSubmitDate", "missing", "a date")
        )
    eligibility = _eligibility(_module(protocol, "eligibilityModule"), source, where, problems)
    if len(problems) > before or eligibility is None:
        return None
    canonical = json.dumps(protocol, sort_keys=True, separators=(",", ":"))
    return TrialRecord(
        nct_id=nct,
        version=version,
        content_sha256=hashlib.sha256(canonical.encode()).hexdigest(),
        brief_title=str(ident.get("briefTitle") or nct),
        official_title=ident.get("officialTitle"),
        overall_status=status.get("overallStatus"),
        phases=tuple(_module(protocol, "designModule").get("phases") or ()),
        study_type=_module(protocol, "designModule").get("studyType"),
        conditions=tuple(_module(protocol, "conditionsModule").get("conditions") or ()),
        interventions=_interventions(protocol),
        arms=_arms(protocol),
        sites=_sites(protocol),
        eligibility=eligibility,
        last_update_posted=_date(status, "lastUpdatePostDateStruct") or None,
        first_posted=_date(status, "studyFirstPostDateStruct") or None,
        version_holder=_module(_module(study, "derivedSection"), "miscInfoModule").get(
            "versionHolder"
        ),
        source_name=source,
        locator=where,
    )


def _eligibility(
    module: Mapping[str, Any], source: str, where: str, problems: list[Problem]
) -> Eligibility | None:
    text = module.get("eligibilityCriteria")
    if not isinstance(text, str) or not text.strip():
        problems.append(
            Problem(source, where, "eligibilityModule.eligibilityCriteria", "missing", "text")
        )
    sex = str(module.get("sex") or "ALL").upper()
    if sex not in _SEXES:
        problems.append(Problem(source, where, "eligibilityModule.sex", sex, "ALL, FEMALE, MALE"))
    ages: dict[str, float | None] = {}
    for name in ("minimumAge", "maximumAge"):
        raw = module.get(name)
        try:
            ages[name] = parse_age(None if raw is None else str(raw))
        except ValueError:
            problems.append(
                Problem(
                    source,
                    where,
                    f"eligibilityModule.{name}",
                    str(raw),
                    "a number and Years/Months/Weeks/Days/Hours/Minutes, or N/A (no limit)",
                )
            )
    if not isinstance(text, str) or sex not in _SEXES or len(ages) < 2:
        return None
    healthy = module.get("healthyVolunteers")
    return Eligibility(
        criteria_text=text,
        sex=sex,
        minimum_age_years=ages.get("minimumAge"),
        maximum_age_years=ages.get("maximumAge"),
        minimum_age_text=module.get("minimumAge"),
        maximum_age_text=module.get("maximumAge"),
        healthy_volunteers=healthy if isinstance(healthy, bool) else None,
    )


def _module(parent: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = parent.get(name)
    return value if isinstance(value, Mapping) else {}


def _date(status: Mapping[str, Any], name: str) -> str:
    return str(_module(status, name).get("date") or "")


def _interventions(protocol: Mapping[str, Any]) -> tuple[str, ...]:
    items = _module(protocol, "armsInterventionsModule").get("interventions") or ()
    return tuple(f"{i.get('type', '')}: {i.get('name', '')}".strip(": ") for i in items)


def _arms(protocol: Mapping[str, Any]) -> tuple[Arm, ...]:
    groups = _module(protocol, "armsInterventionsModule").get("armGroups") or ()
    return tuple(
        Arm(
            label=str(g.get("label") or ""),
            type=g.get("type"),
            interventions=tuple(g.get("interventionNames") or ()),
        )
        for g in groups
    )


def _sites(protocol: Mapping[str, Any]) -> tuple[Site, ...]:
    locations = _module(protocol, "contactsLocationsModule").get("locations") or ()
    return tuple(
        Site(
            facility=loc.get("facility"),
            city=loc.get("city"),
            country=loc.get("country"),
            status=loc.get("status"),
        )
        for loc in locations
    )
