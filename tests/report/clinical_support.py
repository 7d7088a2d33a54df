# SPDX-License-Identifier: Apache-2.0
"""Inputs for the clinical-review tests (issue 13): real KB releases, small authored records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from oncoboard.demo.loader import load_demo
from oncoboard.governance.users import SITE_ADMIN, actor_for, ensure_site_admin
from oncoboard.knowledge import service as kb
from oncoboard.knowledge.sources import reader_for
from oncoboard.settings import Settings
from oncoboard.store.db import unit_of_work
from tests.support import import_file, shared_file

# The README's order: every source the issue names, from ../shared/data/kb.
KB_FILES = {
    "civic": ("kb", "civic", "civic_01-Dec-2022_predictive_parsed_subset.tsv.gz"),
    "cgi": ("kb", "cgi", "cgi_biomarkers_per_variant.2017.tsv"),
    "moalmanac": ("kb", "moalmanac", "molecular-oncology-almanac.json.gz"),
    "moalmanac-regulatory": ("kb", "moalmanac", "referenced"),
}
LOINC = "http://loinc.org"
ORIGIN = {"somatic": "LA6684-0", "germline": "LA6683-2"}


def load_kb(engine: Engine, *sources: str) -> None:
    with unit_of_work(engine) as session:
        ensure_site_admin(session)
    with unit_of_work(engine) as session:
        admin = actor_for(session, SITE_ADMIN)
        for source in sources:
            kb.publish(
                session=session,
                access=kb.authorize_import(session, admin, source),
                reader=reader_for(source),
                reader_name=source,
                path=shared_file(*KB_FILES[source]),
            )


def load_demo_cohort(engine: Engine) -> None:
    settings = Settings(env="test", database_url=engine.url.render_as_string(hide_password=False))
    list(load_demo(engine=engine, settings=settings))


def _component(code: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"code": {"coding": [{"system": LOINC, "code": code}]}, **value}


def _concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code, **({"display": display} if display else {})}
    return {"valueCodeableConcept": {"coding": [coding]}}


def variant_observation(
    patient: str, gene: str, protein: str | None, *, origin: str | None = "somatic",
    vaf: float | None = None, absent: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """A Genomics Reporting variant Observation (present, or absent: a pertinent negative)."""
    components = [_component("48018-6", _concept("http://www.genenames.org/geneId", gene, gene))]
    if protein:
        components.append(_component("48005-3", _concept("http://varnomen.hgvs.org", protein)))
    components.append(_component("62374-4", _concept(LOINC, "LA26806-2", "GRCh38")))
    if origin in ORIGIN:
        components.append(_component("48002-0", _concept(LOINC, ORIGIN[origin], origin)))
    if vaf is not None:
        components.append(_component("81258-6", {"valueQuantity": {"value": vaf}}))
    answer = ("LA9634-2", "Absent") if absent else ("LA9633-4", "Present")
    ident = f"{patient}-{gene}-{protein or 'absent'}".replace(".", "").replace("*", "x")
    return {
        "fullUrl": f"urn:uuid:{ident}",
        "resource": {
            "resourceType": "Observation",
            "id": ident,
            "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "69548-6"}]},
            "subject": {"reference": f"urn:uuid:{patient}"},
            "effectiveDateTime": "2026-01-10",
            **_concept(LOINC, *answer),
            "component": components,
        },
    }


def import_record(
    engine: Engine,
    tmp_path: Path,
    patient: str,
    tumor_type: str,
    observations: list[dict[str, Any]],
) -> None:
    """A patient with the given genomic Observations, tumour type given as on the import page."""
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": f"urn:uuid:{patient}",
                "resource": {"resourceType": "Patient", "id": patient, "gender": "female"},
            },
            *observations,
        ],
    }
    path = tmp_path / f"{patient}.fhir.json"
    path.write_text(json.dumps(bundle))
    import_file(engine, path, patient=patient, tumor_type=tumor_type)


def import_progression(
    engine: Engine, tmp_path: Path, patient: str, drug: str, reason: str
) -> None:
    """A Phenopacket v2 treatment line stopped for the given reason (treatmentTerminationReason)."""
    packet = {
        "id": f"{patient}-treatments",
        "subject": {"id": patient, "sex": "FEMALE"},
        "medicalActions": [
            {
                "treatment": {
                    "agent": {"id": f"local:{drug}", "label": drug},
                    "doseIntervals": [
                        {
                            "interval": {
                                "start": "2025-01-01T00:00:00Z",
                                "end": "2025-11-30T00:00:00Z",
                            }
                        }
                    ],
                },
                "treatmentTerminationReason": {"id": "local:reason", "label": reason},
            }
        ],
        "metaData": {
            "created": "2026-01-10T00:00:00Z",
            "createdBy": "oncoboard test",
            "phenopacketSchemaVersion": "2.0",
            "resources": [],
        },
    }
    path = tmp_path / f"{patient}.phenopacket.json"
    path.write_text(json.dumps(packet))
    import_file(engine, path, patient=patient)
