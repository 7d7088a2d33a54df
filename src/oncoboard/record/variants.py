# SPDX-License-Identifier: Apache-2.0
"""Which variants a table shows and in what order, as SQL on the facts table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, defer

from oncoboard.record.models import FactRow
from oncoboard.record.schemas import VariantSort


def gene_spellings(gene: str) -> tuple[str, ...]:
    """HGNC symbols are upper case except a few (``C11orf95``): match as typed and upper-cased."""
    text = gene.strip()
    return (text, text.upper())


@dataclass(frozen=True)
class VariantFilter:
    """Which variants a table shows: one gene, calls that passed the caller's filters (FILTER
    PASS, or none given), a consequence term (any case, part of the file's term: "missense"
    finds VEP's ``missense_variant`` and MAF's ``Missense_Mutation``)."""

    gene: str | None = None
    passed_only: bool = False
    consequence: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.gene:
            found.append(FactRow.gene.in_(gene_spellings(self.gene)))
        if self.passed_only:
            filters = FactRow.payload["filters"].as_string()
            found.append(or_(filters.is_(None), func.upper(filters).in_(PASSED_FILTERS)))
        if self.consequence:
            term = func.lower(FactRow.payload["consequence"].as_string())
            found.append(term.contains(self.consequence.strip().lower(), autoescape=True))
        return found


# VCF FILTER "PASS", or "." / absent (no filter was applied); MAF FILTER column the same
PASSED_FILTERS = ("PASS", ".", "")


def count_variants(session: Session, patient_id: int, chosen: VariantFilter) -> int:
    query = select(func.count()).where(
        FactRow.patient_id == patient_id, FactRow.kind == "variant", *chosen.conditions()
    )
    return int(session.scalar(query) or 0)


def variant_query(patient_id: int, chosen: VariantFilter, sort: VariantSort) -> Select[Any]:
    query = (
        select(FactRow)
        .options(defer(FactRow.raw))
        .where(FactRow.patient_id == patient_id, FactRow.kind == "variant", *chosen.conditions())
    )
    if chosen.gene and sort == "file":
        # same order for one gene, but lets SQLite walk the gene index instead of all rows
        return query.order_by(FactRow.gene, FactRow.id)
    return query.order_by(*_order(sort))


def _order(sort: VariantSort) -> list[ColumnElement[Any] | InstrumentedAttribute[Any]]:
    """Gene order walks the (patient, kind, gene, id) index; VAF and depth read the payload."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "gene":
        if descending:
            return [FactRow.gene.desc(), FactRow.id.desc()]
        return [FactRow.gene, FactRow.id]
    if key in ("vaf", "depth"):
        value = FactRow.payload[key].as_float()
        return [(value.desc() if descending else value.asc()).nulls_last(), FactRow.id]
    return [FactRow.id]
