# SPDX-License-Identifier: Apache-2.0
"""A blood-pressure Observation → systolic and diastolic results trial eligibility reads
("uncontrolled hypertension: systolic > 150 mmHg or diastolic > 100 mmHg").

The panel is LOINC 85354-9 (FHIR vital-signs blood-pressure profile) or 55284-4 (as Synthea
writes it), its components 8480-6 systolic and 8462-4 diastolic with a quantity in mm[Hg]; each
component becomes one result dated like the panel. Stand-alone 8480-6 / 8462-4 Observations are
read as clinical measurements (``history.CLINICAL_MEASUREMENTS``).

A pulse-oximetry Observation (2708-6 / 59408-5) may carry the oxygen the patient breathed as
component 3151-8 "Inhaled oxygen flow rate" in L/min (US Core Pulse Oximetry profile and its
satO2-fiO2 example, US Core 5.0.1): it becomes one result dated like the reading, so that
"SpO2 ≥ 92 % on room air" can be read (0 L/min: no supplemental oxygen).
"""

from __future__ import annotations

from oncoboard.ingest.fhir.values import LOINC, Json, code_keys, date_of
from oncoboard.record.schemas import LabResult

PANELS = frozenset({"85354-9", "55284-4"})
COMPONENTS = {"8480-6": "Systolic blood pressure", "8462-4": "Diastolic blood pressure"}


def is_blood_pressure(resource: Json) -> bool:
    return any(s == LOINC and c in PANELS for s, c in code_keys(resource.get("code"))) and bool(
        resource.get("component")
    )


def blood_pressure(resource: Json) -> list[LabResult]:
    when = date_of(resource, "effectiveDateTime", "effectivePeriod", "issued")
    out = []
    for component in resource.get("component") or []:
        if not isinstance(component, dict):
            continue
        code = next((c for s, c in code_keys(component.get("code")) if s == LOINC), None)
        quantity = component.get("valueQuantity")
        if code not in COMPONENTS or not isinstance(quantity, dict):
            continue
        value = quantity.get("value")
        if not isinstance(value, int | float):
            continue
        out.append(LabResult(name=COMPONENTS[code], code=code, value_number=float(value),
                             unit=quantity.get("code") or quantity.get("unit"),
                             effective=when))  # fmt: skip
    return out


OXIMETRY = frozenset({"2708-6", "59408-5"})
INHALED_OXYGEN_FLOW = "3151-8"


def inhaled_oxygen(resource: Json) -> list[LabResult]:
    """The inhaled-oxygen flow rate component of a pulse-oximetry Observation, if any."""
    if not any(s == LOINC and c in OXIMETRY for s, c in code_keys(resource.get("code"))):
        return []
    when = date_of(resource, "effectiveDateTime", "effectivePeriod", "issued")
    out = []
    for component in resource.get("component") or []:
        if not isinstance(component, dict):
            continue
        codes = {c for s, c in code_keys(component.get("code")) if s == LOINC}
        quantity = component.get("valueQuantity")
        if INHALED_OXYGEN_FLOW not in codes or not isinstance(quantity, dict):
            continue
        value = quantity.get("value")
        if isinstance(value, int | float):
            out.append(LabResult(name="Inhaled oxygen flow rate", code=INHALED_OXYGEN_FLOW,
                                 value_number=float(value),
                                 unit=quantity.get("code") or quantity.get("unit"),
                                 effective=when))  # fmt: skip
    return out
