# SPDX-License-Identifier: Apache-2.0
"""Count queries over the research index, restricted to patients whose consent for federated
analysis is in force now (the governance gate's own condition, ``gate.consented_patients`` or
``gate.visible_patients``: the same rule in two forms, tested equal)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, text
from sqlalchemy.orm import Session

from oncoboard.federation.engine import birth_date_bounds
from oncoboard.federation.models import (
    IndexedDiagnosisRow,
    IndexedIndividualRow,
    IndexedTreatmentRow,
    IndexedVariantRow,
)
from oncoboard.federation.schemas import CohortQuery, VariantCriterion
from oncoboard.federation.terms import STAGE_GROUPS, codes_under
from oncoboard.governance import gate
from oncoboard.governance.gate import Actor
from oncoboard.governance.vocabulary import Purpose
from oncoboard.record.models import PatientRow

PURPOSE = Purpose.FEDERATED_ANALYSIS
# one round trip each way; ``true``: local to the transaction; set back to what RESET gives
_PLANNER_SET = text(
    "SELECT set_config('enable_nestloop', 'off', true), set_config('jit', 'off', true)"
)
_PLANNER_RESET = text(
    "SELECT set_config(name, reset_val, true) FROM pg_settings WHERE name IN ('enable_nestloop', 'jit')"
)
_I, _D, _T, _V = IndexedIndividualRow, IndexedDiagnosisRow, IndexedTreatmentRow, IndexedVariantRow


def individuals(
    actor: Actor, query: CohortQuery, today: date, *, with_variant: bool = True, dialect: str = ""
) -> Select[Any]:
    """Keys of the consented individuals the query selects."""
    if _set_based(query, dialect):
        stmt = select(_I.patient_id).where(gate.consented_patients(actor, PURPOSE, _I.patient_id))
    else:
        stmt = (
            select(_I.patient_id)
            .join(PatientRow, PatientRow.id == _I.patient_id)
            .where(gate.visible_patients(actor, PURPOSE))
        )
    for condition in _conditions(query, today, with_variant=with_variant):
        stmt = stmt.where(condition)
    return stmt


def _set_based(query: CohortQuery, dialect: str) -> bool:
    """Which form of the gate's consent rule suits the question and the database.

    The set form (``gate.consented_patients``: one ordered pass over the consent index, then a
    hash join) costs about the same for every question; the per-candidate form
    (``gate.visible_patients``: one index look-up per candidate) grows with the candidates.
    PostgreSQL always gets the set form: its planner cannot estimate the consented set (~0.5 %
    of the truth) and picked per-candidate loops over 17k-85k candidates (150-370 ms); with
    the set form every whole answer measured took 49-114 ms of CPU (up to ~40 ms more than
    look-ups for the narrowest questions). SQLite looks candidates up (2-5x cheaper there
    whenever a filter is given) and uses the set form only for a question without filters
    (``benchmarks/federation_counts.py``, docs/benchmarks.md)."""
    if dialect == "postgresql":
        return True
    return query == CohortQuery()


@contextmanager
def _planned(session: Session) -> Iterator[None]:
    """PostgreSQL plans for the set form: hash joins (its estimate of the consented set is
    ~0.5 % of the truth, which makes nested loops look cheap) and no JIT compilation (10-50 ms of
    compiling for a query that runs in less). Both go back to the session's defaults after the
    statement."""
    if _dialect(session) != "postgresql":
        yield
        return
    session.execute(_PLANNER_SET)
    yield  # after a failure the transaction is void, and its local settings with it
    session.execute(_PLANNER_RESET)


def count_individuals(session: Session, actor: Actor, query: CohortQuery, today: date) -> int:
    selected = individuals(actor, query, today, dialect=_dialect(session)).subquery()
    with _planned(session):
        return int(session.scalar(select(func.count()).select_from(selected)) or 0)


def individual_members(
    session: Session, actor: Actor, query: CohortQuery, today: date
) -> list[int]:
    return _sorted_keys(session, individuals(actor, query, today, dialect=_dialect(session)))


def _sorted_keys(session: Session, keys: Select[Any]) -> list[int]:
    """The selected keys, sorted, sent as one value (a PostgreSQL array, an SQLite JSON array)
    instead of a row each: building 85k result rows costs more than the query itself."""
    found = keys.subquery()
    with _planned(session):
        if _dialect(session) == "postgresql":
            return sorted(session.scalar(select(func.array_agg(found.c[0]))) or [])
        packed = session.scalar(select(func.json_group_array(found.c[0])))
    return sorted(json.loads(packed or "[]"))


def _variants(actor: Actor, query: CohortQuery, today: date, dialect: str) -> Select[Any]:
    """The matching variant rows of the consented individuals the query selects; the people
    are those carrying a matching variant (the same rows, found from the variant index)."""
    people = individuals(actor, query, today, dialect=dialect).subquery()
    stmt = select(_V).where(_V.patient_id.in_(select(people.c.patient_id)))
    if query.variant is not None:
        stmt = stmt.where(*_variant_conditions(query.variant))
    return stmt


def variants_and_carriers(
    session: Session, actor: Actor, query: CohortQuery, today: date
) -> tuple[int, list[int]]:
    """Distinct variants (allele, or gene and protein change when no allele is recorded) and
    the sorted keys of the consented individuals carrying them, in one statement (the
    matching rows found once)."""
    rows = _variants(actor, query, today, _dialect(session)).cte("matching_variants")
    alleles = (
        select(rows.c.genome_build, rows.c.chrom, rows.c.pos, rows.c.ref, rows.c.alt,
               rows.c.gene, rows.c.protein)
        .distinct()
        .subquery()
    )  # fmt: skip
    carriers = select(rows.c.patient_id).distinct().subquery()
    postgresql = _dialect(session) == "postgresql"
    packed = (func.array_agg if postgresql else func.json_group_array)(carriers.c.patient_id)
    stmt = select(
        select(func.count()).select_from(alleles).scalar_subquery(),
        select(packed).scalar_subquery(),
    )
    with _planned(session):
        variants, keys = session.execute(stmt).one()
    found = (keys or []) if postgresql else json.loads(keys or "[]")
    return int(variants or 0), sorted(found)


def _conditions(
    query: CohortQuery, today: date, *, with_variant: bool
) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if query.sex is not None:
        found.append(_I.sex == query.sex)
    if query.age_min is not None or query.age_max is not None:
        found.append(_age(query.age_min, query.age_max, today))
    stage = _stage(query.stages)
    for tumour in query.tumor_types:
        diagnosed = select(_D.patient_id).where(_D.oncotree_code.in_(codes_under(tumour)))
        if stage is not None:
            diagnosed = diagnosed.where(stage)  # the stage of that diagnosis
        found.append(_I.patient_id.in_(diagnosed))
    if stage is not None and not query.tumor_types:
        found.append(_I.patient_id.in_(select(_D.patient_id).where(stage)))
    for treatment_class in query.treatment_classes:
        found.append(
            _I.patient_id.in_(select(_T.patient_id).where(_T.treatment_class == treatment_class))
        )
    if with_variant and query.variant is not None:
        carriers = select(_V.patient_id).where(*_variant_conditions(query.variant))
        found.append(_I.patient_id.in_(carriers))
    return found


def _age(age_min: int | None, age_max: int | None, today: date) -> ColumnElement[bool]:
    earliest, latest = birth_date_bounds(age_min, age_max, today)
    by_birth: list[ColumnElement[bool]] = [_I.birth_date.is_not(None)]
    if earliest is not None:
        by_birth.append(_I.birth_date >= earliest)
    if latest is not None:
        by_birth.append(_I.birth_date <= latest)
    by_age: list[ColumnElement[bool]] = [_I.birth_date.is_(None), _I.age_years.is_not(None)]
    if age_min is not None:
        by_age.append(_I.age_years >= age_min)
    if age_max is not None:
        by_age.append(_I.age_years <= age_max)
    return or_(and_(*by_birth), and_(*by_age))


def _stage(stages: tuple[str, ...]) -> ColumnElement[bool] | None:
    if not stages:
        return None
    return or_(*(_D.stage_group == s if s in STAGE_GROUPS else _D.stage == s for s in stages))


def _variant_conditions(variant: VariantCriterion) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    for column, value in (
        (_V.gene, variant.gene),
        (_V.protein, variant.protein),
        (_V.genome_build, variant.genome_build),
        (_V.chrom, variant.chrom),
        (_V.pos, variant.pos),
        (_V.ref, variant.ref),
        (_V.alt, variant.alt),
    ):
        if value is not None and value != "N":
            found.append(column == value)
    return found


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name
