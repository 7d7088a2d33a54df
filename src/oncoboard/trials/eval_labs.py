# SPDX-License-Identifier: Apache-2.0
"""Laboratory thresholds against the patient's latest result, units converted.

A result is recognised by its LOINC code (codes as listed in HL7 value sets and real FHIR data:
Synthea bundles in ../shared/data/interop/synthea, the mCODE examples) or, failing that, by its
name. Counts: 10*3/uL = 10^9/L, cells/uL ÷ 1000; haemoglobin g/L ÷ 10; creatinine µmol/L ÷ 88.4 and
bilirubin µmol/L ÷ 17.1 (``labs.convert``'s factors). "× ULN" thresholds use the laboratory's own
upper reference limit reported with the result; without one the threshold stays unknown.
"""

from __future__ import annotations

import re
from datetime import date

from oncoboard.record.schemas import LabResult, RecordedFact
from oncoboard.trials import renal
from oncoboard.trials.labs import convert
from oncoboard.trials.schemas import ConstraintResult, LabConstraint
from oncoboard.trials.view import PatientView
from oncoboard.trials.view import answer as _r

# LOINC codes per analyte; sources in the module docstring.
LOINC: dict[str, tuple[str, ...]] = {
    "anc": ("26499-4",),  # Neutrophils [#/volume] in Blood (mCODE example)
    "platelets": ("777-3",),  # Platelets [#/volume] in Blood by Automated count (Synthea)
    "hemoglobin": ("718-7",),  # Hemoglobin [Mass/volume] in Blood (Synthea, mCODE)
    "wbc": ("6690-2",),  # Leukocytes [#/volume] in Blood by Automated count (Synthea)
    "creatinine": ("2160-0", "38483-4", "14682-9"),  # HL7 CPG / dQM creatinine value sets
    "bilirubin": ("1975-2",),  # Bilirubin.total [Mass/volume] in Serum or Plasma (Synthea)
    "alt": ("1742-6",),  # Alanine aminotransferase (Synthea)
    "ast": ("1920-8",),  # Aspartate aminotransferase (Synthea)
    "albumin": ("1751-7",),  # Albumin [Mass/volume] in Serum or Plasma (Synthea)
    # INR, aPTT, PT, QTc, LVEF: codes as used in public FHIR data (ingest/fhir/history.py)
    "inr": ("6301-6", "34714-6"),
    "aptt": ("14979-9", "3173-2"),
    "pt": ("5902-2",),
    "qtc": ("8636-3",),
    "lvef": ("10230-1",),
    # FHIR vital-signs ValueSet observation-vitalsign-oxygensat (US Core pulse-oximetry example)
    "spo2": ("2708-6", "59408-5"),
    # blood pressure components (FHIR vital-signs blood-pressure profile; Synthea)
    "systolic_bp": ("8480-6",),
    "diastolic_bp": ("8462-4",),
}
_NAMES: dict[str, re.Pattern[str]] = {
    analyte: re.compile(pattern, re.IGNORECASE)
    for analyte, pattern in (
        ("anc", r"\bneutrophils?\b(?!.*%)|\bANC\b"),
        ("lymphocytes", r"\blymphocytes?\b(?!.*%)|\bALC\b"),
        ("platelets", r"\bplatelets?\b(?! poor)(?!.*(?:volume|width|distribution))"),
        ("hemoglobin", r"\bha?emoglobin\b(?!\s*A1c)(?!.*(?:urine|stool|A1c))|\bHgb\b"),
        ("wbc", r"\bleukocytes\b(?!.*esterase)|\bWBC\b|white blood cell"),
        ("creatinine_clearance", r"creatinine clearance|\bCrCl\b"),
        ("creatinine", r"\bcreatinine\b(?!.*(?:clearance|ratio|urine))"),
        ("bilirubin", r"\bbilirubin\b(?!.*(?:urine|direct|indirect|conjugated))"),
        ("alt", r"alanine aminotransferase|\bALT\b|\bSGPT\b"),
        ("ast", r"aspartate aminotransferase|\bAST\b|\bSGOT\b"),
        ("albumin", r"\balbumin\b(?!.*(?:urine|creatinine|globulin|ratio))"),
        ("inr", r"\bINR\b|international normali[sz]ed ratio"),
        ("aptt", r"\ba?PTT\b|partial thromboplastin"),
        ("pt", r"\bprothrombin time\b|\bPT\b"),
        ("qtc", r"\bQTc|\bQ-?T interval corrected|corrected QT"),
        ("lvef", r"ejection fraction|\bLVEF\b"),
        ("spo2", r"oxygen saturation|\bSpO2\b|pulse oximetry"),
        ("systolic_bp", r"systolic (?:blood )?pressure"),
        ("diastolic_bp", r"diastolic (?:blood )?pressure"),
    )
}
_UCUM_COUNTS = {
    "10*9/l": 1.0, "10^9/l": 1.0, "x10^9/l": 1.0, "10*3/ul": 1.0, "10^3/ul": 1.0,
    "k/ul": 1.0, "x10^3/ul": 1.0, "thou/ul": 1.0, "10*3/mm3": 1.0, "/ul": 0.001, "/mm3": 0.001,
    "cells/ul": 0.001, "/mm^3": 0.001, "{cells}/ul": 0.001,
}  # fmt: skip
_UNIT_NAMES = {"mg/dl": "mg_dl", "umol/l": "umol_l", "µmol/l": "umol_l", "μmol/l": "umol_l",
               "g/dl": "g_dl", "g/l": "g_l", "ml/min": "ml_min", "ml/min/1.73m2": "ml_min_bsa",
               "ml/min/{1.73_m2}": "ml_min_bsa", "ms": "ms", "msec": "ms", "%": "percent",
               "s": "seconds", "sec": "seconds", "{inr}": "", "": "", "{ratio}": "",
               "ratio": "", "mm[hg]": "mmhg", "mmhg": "mmhg"}  # fmt: skip
STALE_DAYS = 28  # results older than this are flagged (screening labs are repeated on study)


def analyte_of(result: LabResult) -> str | None:
    """The analyte a result measures, by LOINC code, else by name."""
    for analyte, codes in LOINC.items():
        if result.code in codes:
            return analyte
    for analyte, pattern in _NAMES.items():
        if pattern.search(result.name):
            return analyte
    return None


def lab(c: LabConstraint, view: PatientView) -> ConstraintResult:
    found = sorted(
        ((r, f) for r, f in view.labs if analyte_of(r) == c.analyte),
        key=lambda p: p[0].effective or "",
    )
    wanted = f"{_NICE.get(c.analyte, c.analyte)} {c.op} {c.value:g} {c.unit}"
    if not found and c.analyte == "creatinine_clearance":
        return renal.cockcroft_gault(c, view)
    if not found:
        return _r(None, f"{wanted}: no result recorded", missing=f"{c.analyte} result", kind=c.type)
    result, fact = found[-1]
    if c.on_room_air:
        air = _room_air(result, view)
        if air[0] is not True:
            said = f"{wanted} on room air: {_shown(result)}; {air[1]}"
            return _r(None, said, fact, *air[2], missing="room air reading", kind=c.type)
        fact_air = air[2]
    else:
        fact_air = ()
    value = _in_unit(result, c)
    if value is None:
        return _r(
            None,
            f"{wanted}: latest result {_shown(result)} cannot be expressed in {c.unit}",
            fact,
            missing=f"{c.analyte} result in a convertible unit"
            + (" with its reference range" if c.unit == "x ULN" else ""),
            kind=c.type,
        )
    holds = _compare(value, c.op, c.value)
    converted = f" = {value:.3g} {c.unit}" if _shown(result) != f"{value:g} {c.unit}" else ""
    flags = _stale(result, view.today)
    dated = f" on {result.effective[:10]}" if result.effective else " (undated)"
    on_air = " on room air (inhaled oxygen 0 L/min)" if fact_air else ""
    return _r(
        holds, f"{wanted}: {_shown(result)}{converted}{dated}{on_air}", fact, *fact_air,
        flags=flags, kind=c.type,
    )  # fmt: skip


def _room_air(
    result: LabResult, view: PatientView
) -> tuple[bool | None, str, tuple[RecordedFact, ...]]:
    """Whether an SpO2 reading was taken without supplemental oxygen: from the inhaled-oxygen
    flow rate recorded with it (LOINC 3151-8, US Core pulse oximetry), 0 L/min being room air."""
    flows = [
        (r, f)
        for r, f in view.labs
        if r.code == "3151-8" and r.effective == result.effective and r.value_number is not None
    ]
    if not flows:
        return None, "whether it was taken on room air is not recorded", ()
    flow, fact = flows[-1]
    if flow.value_number == 0:
        return True, "", (fact,)
    return False, f"taken on {_shown(flow)} of oxygen, not on room air", (fact,)


_NICE = {"anc": "ANC", "wbc": "WBC", "alt": "ALT", "ast": "AST", "creatinine_clearance": "CrCl",
         "inr": "INR", "aptt": "aPTT", "pt": "PT", "qtc": "QTc", "lvef": "LVEF",
         "spo2": "SpO2", "systolic_bp": "systolic BP", "diastolic_bp": "diastolic BP"}  # fmt: skip


def _shown(result: LabResult) -> str:
    if result.value_number is None:
        return repr(result.value_text)
    return f"{result.value_number:g} {result.unit or ''}".strip()


def _in_unit(result: LabResult, c: LabConstraint) -> float | None:
    number = result.value_number
    if number is None:
        return None
    unit = (result.unit or "").strip().lower().replace(" ", "")
    if c.unit == "x ULN":
        high = result.reference_high
        return None if not high else round(number / high, 4)
    if c.unit == "10^9/L":
        factor = _UCUM_COUNTS.get(unit)
        return None if factor is None else round(number * factor, 6)
    name = _UNIT_NAMES.get(unit)
    if name is None:
        return None
    converted = convert(c.analyte, number, name)
    return converted[0] if converted and converted[1] == c.unit else None


def _compare(value: float, op: str, threshold: float) -> bool:
    return {
        ">=": value >= threshold,
        ">": value > threshold,
        "<=": value <= threshold,
        "<": value < threshold,
    }[op]


def _stale(result: LabResult, today: date) -> tuple[str, ...]:
    if not result.effective:
        return ("undated_result",)
    try:
        when = date.fromisoformat(result.effective[:10])
    except ValueError:
        return ("undated_result",)
    return ("result_older_than_28_days",) if (today - when).days > STALE_DAYS else ()
