# SPDX-License-Identifier: Apache-2.0
"""Helpers for federation tests: the Beacon v2 schemas (resolved offline), the reference
implementation's synthetic cohort loaded into a site, consent, and the cohort's ground truth
computed straight from its files (an implementation independent of ours)."""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT7, DRAFT202012
from sqlalchemy import Engine, insert, select

from oncoboard.federation import bff
from oncoboard.governance.gate import Actor
from oncoboard.governance.models import ConsentEventRow
from oncoboard.governance.users import actor_for
from oncoboard.governance.vocabulary import Purpose, Role
from oncoboard.ingest import service as ingest_service
from oncoboard.ingest.schemas import ImportReport
from oncoboard.record.models import PatientRow
from oncoboard.store.db import unit_of_work
from tests.conftest import make_user
from tests.support import shared_file

GITHUB = "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/"
VRS = "https://w3id.org/ga4gh/schema/vrs/1.3/vrs.json"


def spec() -> Path:
    return shared_file("interop", "beacon-v2", "spec")


def cohort_folder() -> Path:
    return shared_file("interop", "beacon-v2", "ri-api", "synthetic-cohort-bff")


@cache
def _registry(root: str) -> Registry:
    base = Path(root)

    def retrieve(uri: str) -> Resource:
        if uri.startswith(GITHUB):
            path = base / uri[len(GITHUB) :]
        elif uri.startswith(VRS):
            return Resource.from_contents(
                json.loads((base / "external" / "vrs-1.3.0.json").read_text()), DRAFT7
            )
        elif uri.startswith("file://"):
            path = Path(uri[7:])
        else:
            raise NoSuchResource(ref=uri)
        return Resource.from_contents(json.loads(path.read_text()), DRAFT202012)

    return Registry(retrieve=retrieve)  # type: ignore[call-arg]


def beacon_errors(document: dict[str, Any], schema: str) -> list[str]:
    """Every way ``document`` fails the Beacon schema ``schema`` (path under spec/framework/json)."""
    path = spec() / "framework" / "json" / schema
    root = json.loads(path.read_text())
    registry = _registry(str(spec()))
    resource = Resource.from_contents(root, DRAFT202012)
    uri = path.resolve().as_uri()
    registry = registry.with_resource(uri, resource)
    validator = jsonschema.Draft202012Validator({"$ref": uri}, registry=registry)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def admin_actor(engine: Engine, username: str = "site-it") -> Actor:
    make_user(engine, username, [Role.ADMIN])
    with unit_of_work(engine) as session:
        return actor_for(session, username)


def load_cohort(engine: Engine, part: int, parts: int, admin: Actor) -> ImportReport:
    with unit_of_work(engine) as session:
        access = ingest_service.authorize_import(session, admin, "beacon cohort")
        return bff.import_cohort(
            session=session, access=access, folder=cohort_folder(), genome_build="GRCh37",
            part=part, parts=parts,
        )  # fmt: skip


def set_consent(engine: Engine, patients: list[str], status: str = "granted",
                purpose: Purpose = Purpose.FEDERATED_ANALYSIS) -> None:  # fmt: skip
    with unit_of_work(engine) as session:
        keys = {r[0]: r[1] for r in session.execute(select(PatientRow.external_id, PatientRow.id))}
        session.execute(
            insert(ConsentEventRow),
            [{"patient_id": keys[p], "purpose": purpose.value, "status": status,
              "recorded_by": "tests", "source": "test consent form"} for p in patients],
        )  # fmt: skip


@dataclass
class Truth:
    """The cohort part as its files state it, read without any OncoBoard code."""

    ids: list[str] = field(default_factory=list)
    sex: dict[str, str] = field(default_factory=dict)
    age: dict[str, int] = field(default_factory=dict)
    carriers: dict[tuple[int, str, str], set[str]] = field(default_factory=dict)

    def count(self, consented: set[str], sex: str | None = None, age_min: int | None = None,
              allele: tuple[int, str, str] | None = None) -> int:  # fmt: skip
        found = 0
        for person in self.ids:
            if person not in consented or (sex and self.sex.get(person) != sex):
                continue
            if age_min is not None and self.age.get(person, -1) < age_min:
                continue
            if allele is not None and person not in self.carriers.get(allele, set()):
                continue
            found += 1
        return found


def truth(part: int, parts: int) -> Truth:
    folder = cohort_folder()
    with gzip.open(folder / "individuals.json.gz", "rt") as handle:
        people = json.load(handle)
    with gzip.open(folder / "biosamples.json.gz", "rt") as handle:
        samples = json.load(handle)
    moment = {s["individualId"]: s.get("collectionMoment", "") for s in samples}
    found = Truth()
    for number, person in enumerate(people):
        if number % parts != part - 1:
            continue
        found.ids.append(person["id"])
        found.sex[person["id"]] = person["sex"]["label"]
        years = re.match(r"P(\d+)Y", moment.get(person["id"], ""))
        if years:
            found.age[person["id"]] = int(years[1])
    mine = set(found.ids)
    with gzip.open(folder / "genomicVariations.example.csv.gz", "rt") as handle:
        for row in csv.DictReader(handle):
            key = (
                int(row["variation|location|interval|end|value"]),
                row["variation|referenceBases"],
                row["variation|alternateBases"],
            )
            carriers = {s for s in row["caseLevelData|biosampleId"].split("|") if s in mine}
            if carriers:
                found.carriers.setdefault(key, set()).update(carriers)
    return found


def allele_with(truth_: Truth, consented: set[str], low: int, high: int) -> tuple[int, str, str]:
    """An allele carried by ``low``–``high`` consented individuals of the part."""
    counts = Counter({k: len(v & consented) for k, v in truth_.carriers.items()})
    return next(k for k, n in sorted(counts.items()) if low <= n <= high)
