# SPDX-License-Identifier: Apache-2.0
"""Many patients' facts for a set of rules, read straight from the facts table.

Loading every record through ``record.service`` costs a pydantic validation per fact: about a
minute for 1M stored variants. A screen needs far less. Per patient it reads:

- the variants and copy-number calls of the genes the rules name (``facts.gene`` is indexed
  with ``patient_id`` and ``kind``), and for variants only the payload fields the matchers read;
- one representative variant, copy-number call and fusion (the first by id): the matchers ask
  whether the record holds any such call at all ("no small-variant calls in the record" is
  not evaluated, not "not matched"), and the writer stores one genome build per patient, so
  the representative's build is the patient's (as ``record.service._builds`` reads it);
- every fusion, biomarker and diagnosis (few per patient).

Every evaluator in ``matching.py`` looks only at facts of the genes its rule names, or at whether
the record holds any call of a kind, so it answers on this subset exactly as on the whole
record. The one exception, a genomic rule without a gene, is handled by also loading the
variants at the rule's positions (``Needs.positions``, a scan of the variants).
Payloads are built with ``model_construct``: they were validated when written (``ingest/writer``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from oncoboard.actionability.facts import PatientFacts
from oncoboard.ingest.models import ImportRow
from oncoboard.record.models import FactRow, PatientRow
from oncoboard.record.schemas import (
    Biomarker,
    CancerCondition,
    CopyNumberChange,
    Fact,
    Fusion,
    GeneTesting,
    Provenance,
    RecordedFact,
    SomaticVariant,
    Treatment,
)

# The payload fields ``matching.py`` reads from a variant; the rest (transcripts, depths) stays.
VARIANT_FIELDS = (
    "chrom", "pos", "ref", "alt", "hgvs_p", "consequence", "exon", "origin", "filters"
)  # fmt: skip
_INTEGER_FIELDS = frozenset({"pos", "exon"})
_MODELS: dict[str, type[Fact]] = {
    "variant": SomaticVariant,
    "copy_number": CopyNumberChange,
    "fusion": Fusion,
    "biomarker": Biomarker,
    "condition": CancerCondition,
    "gene_testing": GeneTesting,  # pertinent negatives / panel coverage: wild-type rules
    "treatment": Treatment,  # documented progression contraindicates a drug
}
Model = TypeVar("Model", bound=BaseModel)
_SMALL_KINDS = ("fusion", "biomarker", "condition", "gene_testing", "treatment")
# Patients per query: their ids are bound parameters (SQLite allows 32,766 per statement).
CHUNK = 5_000
_REPRESENTED = ("variant", "copy_number")
_BASE = (
    FactRow.id,
    FactRow.patient_id,
    FactRow.import_id,
    FactRow.kind,
    FactRow.genome_build,
    FactRow.gene,
    FactRow.locator,
)


@dataclass(frozen=True)
class Needs:
    """What the rules at hand read: variants/CNAs of these genes, variants at these positions."""

    genes: frozenset[str] = frozenset()
    positions: frozenset[int] = frozenset()


@dataclass
class _Patient:
    external_id: str
    rows: dict[int, RecordedFact] = field(default_factory=dict)
    kinds: dict[str, list[RecordedFact]] = field(default_factory=lambda: defaultdict(list))
    builds: set[str] = field(default_factory=set)


def patient_ids(session: Session, patients: Select[Any]) -> dict[int, str]:
    """Primary key → external id of the patients ``patients`` (a select of ``PatientRow.id``)."""
    rows = session.execute(
        select(PatientRow.id, PatientRow.external_id).where(PatientRow.id.in_(patients))
    )
    return {int(pk): str(external) for pk, external in rows}


def load(session: Session, patients: Select[Any], needs: Needs) -> list[PatientFacts]:
    """``PatientFacts`` of every patient in ``patients`` holding what ``needs`` names (see module).

    The consent filter runs once; the fact queries then name the patients (in chunks), so
    SQLite probes the (patient, kind, gene) index instead of scanning a million rows.
    """
    people = {pk: _Patient(external) for pk, external in patient_ids(session, patients).items()}
    ids = sorted(people)
    rows: list[Any] = []
    for start in range(0, len(ids), CHUNK):
        rows += _rows(session, ids[start : start + CHUNK], needs)
    imports = _provenance(session, {row.import_id for row in rows})
    for row in rows:
        _add(people[row.patient_id], row, imports)
    return [_facts(person) for person in people.values()]


def _rows(session: Session, ids: list[int], needs: Needs) -> list[Any]:
    mine = FactRow.patient_id.in_(ids)
    rows: list[Any] = []
    if needs.genes:
        genes = FactRow.gene.in_(sorted(needs.genes))
        rows += _variants(session, mine & genes)
        rows += _full(session, mine & (FactRow.kind == "copy_number") & genes)
    if needs.positions:
        position = FactRow.payload["pos"].as_integer()
        rows += _variants(session, mine & position.in_(sorted(needs.positions)))
    rows += _full(session, mine & FactRow.kind.in_(_SMALL_KINDS))
    firsts = _representatives(session, ids)
    if firsts:
        rows += _variants(session, FactRow.id.in_(firsts))
        rows += _full(session, FactRow.id.in_(firsts) & (FactRow.kind != "variant"))
    return rows


def _variants(session: Session, condition: Any) -> Sequence[Any]:
    fields = [
        (FactRow.payload[name].as_integer() if name in _INTEGER_FIELDS else
         FactRow.payload[name].as_string()).label(name)
        for name in VARIANT_FIELDS
    ]  # fmt: skip
    query = select(*_BASE, *fields).where(FactRow.kind == "variant", condition)
    return session.execute(query).all()


def _full(session: Session, condition: Any) -> Sequence[Any]:
    return session.execute(select(*_BASE, FactRow.payload).where(condition)).all()


def _representatives(session: Session, ids: list[int]) -> list[int]:
    """The first variant and copy-number call of each patient (one index seek each)."""
    firsts = [
        select(FactRow.id)
        .where(FactRow.patient_id == PatientRow.id, FactRow.kind == kind)
        .order_by(FactRow.id)
        .limit(1)
        .scalar_subquery()
        .label(kind)
        for kind in _REPRESENTED
    ]
    rows = session.execute(select(*firsts).where(PatientRow.id.in_(ids)))
    return [int(value) for row in rows for value in row if value is not None]


def _provenance(session: Session, import_ids: set[str]) -> dict[str, ImportRow]:
    if not import_ids:
        return {}
    rows = session.scalars(select(ImportRow).where(ImportRow.id.in_(sorted(import_ids))))
    return {row.id: row for row in rows}


def _add(person: _Patient, row: Any, imports: dict[str, ImportRow]) -> None:
    fact_id, _, import_id, kind, build, gene, locator, *rest = row
    if fact_id in person.rows:
        return
    imp = imports[import_id]
    if len(rest) == 1:  # the whole payload
        values = dict(rest[0])
    else:
        values = {name: value for name, value in zip(VARIANT_FIELDS, rest, strict=True)
                  if value is not None}  # fmt: skip
        values["gene"] = gene
    if build:
        values["genome_build"] = build
        person.builds.add(build)
    provenance = _build(Provenance, {"source_name": imp.source_name,
                                     "source_sha256": imp.source_sha256, "locator": locator,
                                     "importer": imp.importer,
                                     "importer_version": imp.importer_version,
                                     "import_id": imp.id, "imported_at": imp.imported_at})  # fmt: skip
    fact = _build(_MODELS[kind], values)
    recorded = _build(RecordedFact, {"fact_id": fact_id, "fact": fact, "provenance": provenance})
    person.rows[fact_id] = recorded
    person.kinds[kind].append(recorded)


@cache
def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in model.model_fields.items()
        if not info.is_required()
    }


def _build(model: type[Model], values: dict[str, Any]) -> Model:
    """``model.model_construct(**values)`` without looking up every default per call.

    The same steps pydantic's ``model_construct`` takes (v2: ``__dict__``, fields set, no extra,
    no private attributes); a screen builds tens of thousands of facts, and those lookups were
    half the cost. The values were validated when the facts were written.
    """
    built = model.__new__(model)
    object.__setattr__(built, "__dict__", {**_defaults(model), **values})
    object.__setattr__(built, "__pydantic_fields_set__", set(values))
    object.__setattr__(built, "__pydantic_extra__", None)
    object.__setattr__(built, "__pydantic_private__", None)
    return built


def _facts(person: _Patient) -> PatientFacts:
    kinds = person.kinds
    codes = (
        getattr(fact.fact, "oncotree_code", None)
        for fact in sorted(kinds["condition"], key=lambda f: f.fact_id)
    )
    return PatientFacts(
        patient_id=person.external_id,
        variants=tuple(sorted(kinds["variant"], key=lambda f: f.fact_id)),
        copy_numbers=tuple(kinds["copy_number"]),
        fusions=tuple(kinds["fusion"]),
        biomarkers=tuple(kinds["biomarker"]),
        genome_builds=frozenset(person.builds),
        tumor_types=tuple(dict.fromkeys(code for code in codes if code)),
        treatments=tuple(kinds["treatment"]),
        gene_tests=tuple(kinds["gene_testing"]),
    )
