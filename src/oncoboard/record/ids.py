# SPDX-License-Identifier: Apache-2.0
"""The characters a patient id may hold, checked wherever one enters OncoBoard.

Ids travel in URLs, file names, audit entries and HTML: a ``/`` breaks the record's address,
quotes and angle brackets invite injection, control characters and NUL are truncated or
refused by the databases. Allowed: ASCII letters and digits, ``. _ : @ + -`` and single
inner spaces (real Phenopacket subjects are named "proband A"), 1-128 characters, starting
and ending with a letter or digit. FHIR ids ([A-Za-z0-9-.]{1,64}), TCGA barcodes and
cBioPortal ids all fit.
"""

from __future__ import annotations

import re

from oncoboard.errors import InputError, Problem

PATIENT_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9 ._:@+-]{0,126}[A-Za-z0-9])?$")
EXPECTED = (
    "1-128 of A-Z a-z 0-9 . _ : @ + - and single spaces, starting and ending with a letter or digit"
)


def patient_id_problem(value: str) -> str | None:
    """Why ``value`` cannot be a patient id, or None when it can."""
    if PATIENT_ID.match(value) and "  " not in value:
        return None
    return f"patient id {value[:80]!r}: expected {EXPECTED}"


def check_patient_id(value: str, *, source: str = "request", locator: str = "patient") -> str:
    """``value`` when it is a valid patient id, else ``InputError`` naming it."""
    problem = patient_id_problem(value)
    if problem is None:
        return value
    raise InputError(problem, [Problem(source, locator, "patient id", value[:200], EXPECTED)])
