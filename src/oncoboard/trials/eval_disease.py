# SPDX-License-Identifier: Apache-2.0
"""Tumour type, stage, disease extent, measurable disease and brain metastases against one patient.

The cancer a criterion is read against is the one being treated (``record.cancers``), or, when
the criterion names a tumour type ("Stage I or IV breast cancer"), the patient's cancer of that
type. Extent: distant metastasis is read from recorded metastases, the M category, or stage IV
for the sites in ``_IV_IS_M1`` (AJCC 8th edition groups stage IV as M1 for lung, breast,
colorectum and pancreas — recorded as *unverified here* in docs/trials.md: the staging tables
could not be read offline). Resectability is only read from a recorded finding, except that
distant metastasis makes a pancreatic, lung or breast cancer not resectable for cure.
"""

from __future__ import annotations

import re
from typing import Any

from oncoboard.knowledge.oncotree import agnostic_relation, load, relation
from oncoboard.record.cancers import Cancer
from oncoboard.record.schemas import RecordedFact
from oncoboard.trials.schemas import (
    BrainMetastasesConstraint,
    CancerTypeConstraint,
    ConstraintResult,
    DiseaseExtentConstraint,
    MeasurableDiseaseConstraint,
    StageConstraint,
)
from oncoboard.trials.view import PatientView
from oncoboard.trials.view import answer as _r

_BRAIN = re.compile(r"brain|cerebr|intracranial|\bCNS\b|central nervous", re.IGNORECASE)
_METASTASIS = re.compile(r"metasta|secondary", re.IGNORECASE)
_TREATED = re.compile(r"\btreated\b|\bstable\b|radiosurgery|resected|irradiated", re.IGNORECASE)
_UNTREATED = re.compile(r"\buntreated\b|\bactive\b|progressi|symptomatic", re.IGNORECASE)
_ASYMPTOMATIC = re.compile(r"\basymptomatic\b", re.IGNORECASE)
_MEASURABLE = re.compile(r"measurable disease", re.IGNORECASE)
_IV_IS_M1 = ("LUNG", "BREAST", "BOWEL", "PANCREAS")
_NOT_CURABLE_WHEN_M1 = ("LUNG", "BREAST", "PANCREAS")


def cancer_type(c: CancerTypeConstraint, view: PatientView) -> ConstraintResult:
    cancers = view.active_cancers
    coded = [(k.condition.oncotree_code, k.fact) for k in cancers if k.condition.oncotree_code]
    if not coded:
        return _r(
            None, "no OncoTree-coded diagnosis", missing="tumour type (OncoTree)", kind=c.type
        )
    reasons = []
    for code, fact in coded:
        assert code is not None
        carved = [x for x in c.excluded_codes if relation(code, x).on_label]
        if carved:
            reasons.append(f"{code} is under {', '.join(carved)}, which the trial excludes")
            continue
        if c.any_solid_tumour:
            found = agnostic_relation(code, "any solid tumor")
            matches = [found] if found is not None else []
        else:
            matches = [relation(code, wanted) for wanted in c.oncotree_codes]
        for match in matches:
            if match.on_label:
                return _r(True, match.reason, fact, kind=c.type)
            reasons.append(match.reason)
    return _r(False, "; ".join(reasons), *(f for _, f in coded), flags=("decisive",), kind=c.type)


def cancer_for(view: PatientView, codes: tuple[str, ...]) -> Cancer | None:
    """The patient's cancer of one of ``codes`` (OncoTree), else the cancer being treated."""
    if codes:
        for cancer in view.cancers:
            code = cancer.condition.oncotree_code
            if code and any(relation(code, wanted).on_label for wanted in codes):
                return cancer
    active = view.active_cancers
    return active[0] if active else None


def _name(cancer: Cancer) -> str:
    return cancer.condition.display or cancer.condition.oncotree_code or "cancer"


def stage(c: StageConstraint, view: PatientView) -> ConstraintResult:
    cancer = cancer_for(view, c.oncotree_codes)
    if cancer is None:
        return _r(None, "no cancer diagnosis recorded", missing="diagnosis and stage", kind=c.type)
    staging = cancer.staging
    wanted = "/".join(c.stages)
    if staging.conflict:
        return _r(
            None,
            f"{_name(cancer)}: stage differs between sources ({staging.conflict})",
            *staging.facts,
            missing="one agreed stage",
            kind=c.type,
        )
    if staging.group is None:
        return _r(
            None, f"{_name(cancer)}: no stage group recorded", cancer.fact, missing="stage",
            kind=c.type,
        )  # fmt: skip
    return _r(
        staging.group in c.stages,
        f"{_name(cancer)}: stage {staging.recorded} (group {staging.group}) vs {wanted}",
        *staging.facts,
        kind=c.type,
    )


def metastatic(cancer: Cancer) -> tuple[bool | None, str, tuple[RecordedFact, ...]]:
    """Distant metastasis: recorded metastases, M1, stage IV (sites in ``_IV_IS_M1``); M0 or
    stage 0-III with none recorded is "no"."""
    staging = cancer.staging
    m = staging.m_category
    if cancer.metastases:
        sites = ", ".join(
            getattr(f.fact, "display", None) or "metastasis" for f in cancer.metastases
        )
        return True, f"metastases recorded ({sites})", cancer.metastases
    if m is not None and m[0] == "M1":
        return True, f"{m[0]} recorded", (m[1],)
    tissue = _tissue(cancer)
    if staging.group == "IV" and tissue in _IV_IS_M1:
        return True, f"stage {staging.recorded} (stage IV = M1 for this site)", staging.facts
    if m is not None and m[0] == "M0":
        return False, "M0 recorded, no metastasis recorded", (m[1],)
    if staging.group in ("0", "I", "II", "III") and not staging.conflict:
        return False, f"stage {staging.recorded}, no metastasis recorded", staging.facts
    return None, "no stage, M category or metastasis recorded", (cancer.fact,)


def _tissue(cancer: Cancer) -> str | None:
    """The OncoTree tissue code (``LUNG``, ``BREAST``) of the cancer, when coded."""
    code = cancer.condition.oncotree_code
    tree = load()
    if not code or tree.get(code) is None:
        return None
    chain = [tree.node(code), *tree.ancestors(code)]
    return chain[-2].code if len(chain) >= 2 else None


def _finding(view: PatientView, pattern: re.Pattern[str]) -> list[tuple[bool, RecordedFact]]:
    return [(f.present, fact) for f, fact in view.findings if pattern.search(f.display)]


def disease_extent(c: DiseaseExtentConstraint, view: PatientView) -> ConstraintResult:
    """Any of the extents listed ("locally advanced or metastatic")."""
    cancer = cancer_for(view, c.oncotree_codes)
    if cancer is None:
        return _r(None, "no cancer diagnosis recorded", missing="diagnosis and stage", kind=c.type)
    answers = [_extent(extent, cancer, view) for extent in c.extents]
    facts = tuple(dict.fromkeys(f for _, _, fs in answers for f in fs))
    said = "; ".join(
        f"{e.replace('_', ' ')}: {why}" for e, (_, why, _) in zip(c.extents, answers, strict=True)
    )
    values = [h for h, _, _ in answers]
    holds = True if True in values else (False if all(v is False for v in values) else None)
    missing = None if holds is not None else "extent of disease (stage, M category or imaging)"
    return _r(holds, f"{_name(cancer)}: {said}", *facts, missing=missing, kind=c.type)


def _extent(
    extent: str, cancer: Cancer, view: PatientView
) -> tuple[bool | None, str, tuple[RecordedFact, ...]]:
    if extent == "measurable":  # one of a list ("measurable, metastatic or unresectable")
        found = _finding(view, _MEASURABLE)
        if not found:
            return None, "measurable disease (RECIST 1.1) not recorded", ()
        present, fact = found[-1]
        return present, f"measurable disease {'recorded' if present else 'ruled out'}", (fact,)
    distant, why, facts = metastatic(cancer)
    if extent == "metastatic":
        return distant, why, facts
    if extent == "locally_advanced_unresectable":
        locally = _extent("locally_advanced", cancer, view)
        if locally[0] is not True:
            return locally
        return _extent("unresectable", cancer, view)
    group = cancer.staging.group
    if extent in ("locally_advanced", "advanced"):
        if extent == "advanced" and distant:
            return True, why, facts
        if distant is False and group is not None:
            local = group == "III"
            return local, f"stage {cancer.staging.recorded}, no distant metastasis", facts
        return None, why, facts
    return _resectable(extent, cancer, view, (distant, why, facts))


def _resectable(
    extent: str,
    cancer: Cancer,
    view: PatientView,
    distant: tuple[bool | None, str, tuple[RecordedFact, ...]],
) -> tuple[bool | None, str, tuple[RecordedFact, ...]]:
    wanted_resectable = extent in ("resectable", "borderline_resectable")
    pattern = re.compile(r"\bborderline\b" if extent == "borderline_resectable" else r"resectab")
    for present, fact in _finding(view, pattern):
        display = getattr(fact.fact, "display", "")
        unresectable = bool(re.search(r"\bunresectab|\bnot resectab", display, re.I))
        value = present and (unresectable != wanted_resectable)
        return value, f"recorded: {display}", (fact,)
    if distant[0] and _tissue(cancer) in _NOT_CURABLE_WHEN_M1:
        return (not wanted_resectable), f"{distant[1]}: not resectable for cure", distant[2]
    resection = _primary_resection(cancer, view) if distant[0] is False else None
    if resection is not None and not wanted_resectable:
        # it was resected, so it is not unresectable; whether it is a candidate for (further)
        # resection now is another question, left open
        name = getattr(resection.fact, "name", "resection")
        return False, f"primary resected ({name}), no distant metastasis", (resection,)
    return None, "resectability not recorded", ()


# operations that remove a primary tumour of the tissue (surgical names; a biopsy, stent or
# bypass is not a resection)
_RESECTIONS = {
    "BREAST": r"lumpectomy|mastectomy|breast[- ]conserving|quadrantectomy|wide local excision",
    "BOWEL": r"colectomy|sigmoidectomy|anterior resection|proctectomy|abdominoperineal",
    "PANCREAS": r"pancreatectomy|pancreaticoduodenectomy|whipple",
    "LUNG": r"lobectomy|pneumonectomy|segmentectomy|wedge resection",
}


def _primary_resection(cancer: Cancer, view: PatientView) -> RecordedFact | None:
    """A recorded operation that removed the primary tumour (the disease was resectable)."""
    pattern = _RESECTIONS.get(_tissue(cancer) or "")
    if pattern is None:
        return None
    for fact in view.therapy_history:
        treatment = fact.fact
        if getattr(treatment, "category", None) == "procedure" and re.search(
            pattern, getattr(treatment, "name", ""), re.IGNORECASE
        ):
            return fact
    return None


def measurable_disease(c: MeasurableDiseaseConstraint, view: PatientView) -> ConstraintResult:
    found = _finding(view, _MEASURABLE)
    if not found:
        return _r(
            None,
            "measurable disease (RECIST 1.1) not recorded",
            missing="measurable disease assessment (RECIST 1.1)",
            kind=c.type,
        )
    present, fact = found[-1]
    return _r(
        present,
        f"{getattr(fact.fact, 'display', '')} ({'present' if present else 'absent'})",
        fact,
        kind=c.type,
    )


def brain_metastases(c: BrainMetastasesConstraint, view: PatientView) -> ConstraintResult:
    """Recorded brain metastases (a secondary cancer condition or a finding); "none" only from
    an explicit negative finding (e.g. brain MRI without metastases recorded as absent)."""
    secondary = [
        f
        for cond, f in view.conditions
        if not cond.is_primary
        and _BRAIN.search(" ".join(filter(None, (cond.display, cond.body_site))))
    ]
    findings = [
        (finding, fact)
        for finding, fact in view.findings
        if _BRAIN.search(finding.display) and _METASTASIS.search(finding.display)
    ]
    present = secondary + [fact for finding, fact in findings if finding.present]
    if c.qualifier == "leptomeningeal":
        return _leptomeningeal(c, view, present, findings)
    if not present:
        absent = [fact for finding, fact in findings if not finding.present]
        if absent:
            return _r(False, "no brain metastases (recorded absent)", *absent, kind=c.type)
        if c.known:
            return _r(False, "no known brain metastases: none recorded (no brain imaging "
                      "recorded)", kind=c.type)  # fmt: skip
        return _r(
            None, "no brain imaging status recorded", missing="brain metastasis status", kind=c.type
        )
    if c.qualifier == "any":
        return _r(True, "brain metastases recorded", *present, kind=c.type)
    texts = " ".join(
        getattr(f.fact, "display", "") + " " + (getattr(f.fact, "clinical_status", None) or "")
        for f in present
    )
    return _qualified(c, texts, present)


def _leptomeningeal(
    c: BrainMetastasesConstraint,
    view: PatientView,
    present: list[RecordedFact],
    findings: list[tuple[Any, RecordedFact]],
) -> ConstraintResult:
    """Leptomeningeal disease: recorded as such, or ruled out by brain imaging without CNS
    metastases; brain metastases alone do not say either way."""
    recorded = [
        f
        for cond, f in view.conditions
        if re.search(r"leptomening", " ".join(filter(None, (cond.display, cond.body_site))), re.I)
    ]
    if recorded:
        return _r(True, "leptomeningeal disease recorded", *recorded, kind=c.type)
    absent = [fact for finding, fact in findings if not finding.present]
    if absent and not present:
        return _r(False, "no leptomeningeal disease: brain imaging without CNS metastases",
                  *absent, kind=c.type)  # fmt: skip
    if c.known and not present:
        return _r(False, "no known leptomeningeal disease: none recorded", kind=c.type)
    return _r(None, "leptomeningeal disease not recorded either way",
              missing="leptomeningeal disease status", kind=c.type)  # fmt: skip


def _qualified(
    c: BrainMetastasesConstraint, texts: str, present: list[RecordedFact]
) -> ConstraintResult:
    if c.qualifier == "symptomatic":
        if _ASYMPTOMATIC.search(texts):
            return _r(False, "brain metastases recorded as asymptomatic", *present, kind=c.type)
        if re.search(r"\bsymptomatic\b", texts, re.I):
            return _r(True, "symptomatic brain metastases recorded", *present, kind=c.type)
    elif _TREATED.search(texts) and not re.search(r"\buntreated\b", texts, re.I):
        return _r(False, "brain metastases recorded as treated/stable", *present, kind=c.type)
    elif re.search(r"\buntreated\b|progressi", texts, re.I):
        return _r(True, "untreated or progressing brain metastases recorded", *present, kind=c.type)
    return _r(
        None,
        f"brain metastases recorded; whether {c.qualifier} is not",
        *present,
        missing=f"{c.qualifier} status of brain metastases",
        kind=c.type,
    )
