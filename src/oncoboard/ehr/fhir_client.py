# SPDX-License-Identifier: Apache-2.0
"""OncoBoard as a FHIR client: read one patient's record from the EHR's R4 API.

Patient, Condition, Observation and MedicationRequest are read with the SMART access token
(searches follow the server's ``next`` links, bounded), every resource is checked to be of the
type asked and about the launched patient, and the result is one ``collection`` Bundle that the
usual FHIR importer reads — so the facts get the same validation and provenance as a file.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx

from oncoboard.errors import InputError, Problem

RECORD_TYPES = ("Condition", "Observation", "MedicationRequest")
PAGE_SIZE = 200
MAX_PAGES = 100
TIMEOUT_S = 30


class FhirReader:
    """Reads from one FHIR base with one bearer token (a single HTTP connection pool)."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/")
        self.client = httpx.Client(
            headers={"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"},
            timeout=TIMEOUT_S,
        )

    def __enter__(self) -> FhirReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def _get(self, url: str) -> dict[str, Any]:
        try:
            response = self.client.get(url)
        except httpx.HTTPError as error:
            raise _problem(url, "request", str(error)[:200], "a reachable FHIR server") from error
        if response.status_code != 200:
            raise _problem(url, "status", str(response.status_code), "200 from the FHIR server")
        try:
            body = response.json()
        except ValueError as error:
            raise _problem(url, "body", response.text[:80], "FHIR JSON") from error
        if not isinstance(body, dict):
            raise _problem(url, "body", str(body)[:80], "a FHIR resource")
        return body

    def patient(self, patient_id: str) -> dict[str, Any]:
        url = f"{self.base}/Patient/{quote(patient_id, safe='')}"
        resource = self._get(url)
        if resource.get("resourceType") != "Patient" or resource.get("id") != patient_id:
            raise _problem(url, "Patient.id", str(resource.get("id")), patient_id)
        return resource

    def search(self, resource_type: str, patient_id: str) -> list[dict[str, Any]]:
        """Every ``resource_type`` about the patient, following ``next`` links."""
        url: str | None = (
            f"{self.base}/{resource_type}?patient={quote(patient_id, safe='')}&_count={PAGE_SIZE}"
        )
        found: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            if url is None:
                return found
            bundle = self._get(url)
            if bundle.get("resourceType") != "Bundle":
                raise _problem(url, "resourceType", str(bundle.get("resourceType")), "Bundle")
            for entry in bundle.get("entry") or []:
                resource = entry.get("resource") if isinstance(entry, dict) else None
                mode = (entry.get("search") or {}).get("mode", "match")
                if isinstance(resource, dict) and mode == "match":
                    _check(resource, resource_type, patient_id, url)
                    found.append(resource)
            url = next(
                (
                    link.get("url")
                    for link in bundle.get("link") or []
                    if link.get("relation") == "next"
                ),
                None,
            )
        raise _problem(url or "", "link", "next", f"at most {MAX_PAGES} pages of {PAGE_SIZE}")


def _check(resource: dict[str, Any], resource_type: str, patient_id: str, url: str) -> None:
    if resource.get("resourceType") != resource_type:
        raise _problem(url, "resourceType", str(resource.get("resourceType")), resource_type)
    subject = (resource.get("subject") or resource.get("patient") or {}).get("reference", "")
    if str(subject).rstrip("/").split("/")[-1] != patient_id:
        raise _problem(
            url,
            f"{resource_type}/{resource.get('id')}.subject",
            str(subject),
            f"Patient/{patient_id}",
        )


def read_record(base: str, token: str, patient_id: str) -> dict[str, Any]:
    """The patient's record as one R4 ``collection`` Bundle with absolute ``fullUrl``s."""
    with FhirReader(base, token) as reader:
        resources = [reader.patient(patient_id)]
        for resource_type in RECORD_TYPES:
            resources += reader.search(resource_type, patient_id)
    root = base.rstrip("/")
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "meta": {"source": root},
        "entry": [
            {"fullUrl": f"{root}/{r['resourceType']}/{r.get('id')}", "resource": r}
            for r in resources
        ],
    }


def bundle_bytes(bundle: dict[str, Any]) -> bytes:
    """Canonical bytes: the same record read twice is the same file (idempotent import)."""
    return json.dumps(bundle, sort_keys=True, separators=(",", ":")).encode()


def _problem(url: str, field: str, value: str, expected: str) -> InputError:
    return InputError(
        f"EHR FHIR read {url}: {field} {value!r}, expected {expected}",
        [Problem("EHR FHIR API", url[:200], field, value[:200], expected)],
    )
