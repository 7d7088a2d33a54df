# SPDX-License-Identifier: Apache-2.0
"""FHIR ``Immunization`` → a dated clinical finding trial eligibility reads ("live vaccine within
30 days before the first dose").

The finding is labelled ``Immunization: <vaccine>`` (``vaccineCode`` text or display, e.g. CVX
121 "zoster vaccine, live" as Synthea writes it) and dated by ``occurrenceDateTime``; status
``not-done`` is an absent finding, ``entered-in-error`` is skipped.
"""

from __future__ import annotations

from oncoboard.ingest.fhir.values import Json, date_of, first_code, label
from oncoboard.record.schemas import ClinicalFinding


def finding(resource: Json) -> ClinicalFinding | None:
    status = str(resource.get("status") or "completed")
    if status == "entered-in-error":
        return None
    system, code, display = first_code(resource.get("vaccineCode"))
    vaccine = label(resource.get("vaccineCode")) or display
    if not vaccine:
        return None
    when = date_of(resource, "occurrenceDateTime", "occurrenceString", "recorded")
    return ClinicalFinding(code_system=system, code=code, display=f"Immunization: {vaccine}",
                           present=status != "not-done", onset=when,
                           effective=when)  # fmt: skip
