# SPDX-License-Identifier: Apache-2.0
"""A patient's pharmacogenomic profile through the gate: results from the record → CPIC
phenotypes → guidance for every drug with a rule. Reads only; the gate audits the access."""

from __future__ import annotations

from sqlalchemy.orm import Session

from oncoboard.governance.gate import Access
from oncoboard.pharmacogenomics import engine, guidance
from oncoboard.pharmacogenomics.schemas import DrugAdvice, GeneResult, PgxProfile
from oncoboard.pharmacogenomics.tables import cpic
from oncoboard.pharmacogenomics.tables import guidance as guidance_tables
from oncoboard.record import service as record_service
from oncoboard.record.schemas import PharmacogenomicResult, RecordedFact


def gene_results(recorded: list[RecordedFact]) -> tuple[dict[str, GeneResult], list[GeneResult]]:
    """The newest result per gene (by date, then import order); older or conflicting ones
    become notes. Genes with a table and no result are 'Not tested'."""
    by_gene: dict[str, list[RecordedFact]] = {}
    for item in recorded:
        if isinstance(item.fact, PharmacogenomicResult):
            by_gene.setdefault(item.fact.gene, []).append(item)
    results: dict[str, GeneResult] = {}
    others: list[GeneResult] = []
    for gene, items in by_gene.items():
        items.sort(key=lambda r: (_date(r), r.fact_id))
        chosen = items[-1]
        result = engine.safe_interpret(_fact(chosen), fact_id=chosen.fact_id, basis=_basis(chosen))
        conflicts = _conflicts(chosen, items[:-1])
        if conflicts:
            result = result.model_copy(update={"notes": (*result.notes, *conflicts)})
        if gene in cpic().genes:
            results[gene] = result
        else:
            others.append(result)
    for gene in cpic().genes:
        results.setdefault(gene, engine.not_tested(gene))
    return results, others


def _fact(item: RecordedFact) -> PharmacogenomicResult:
    assert isinstance(item.fact, PharmacogenomicResult)
    return item.fact


def _date(item: RecordedFact) -> str:
    return _fact(item).effective or item.provenance.imported_at.date().isoformat()


def _basis(item: RecordedFact) -> str:
    return f"fact {item.fact_id}: {item.provenance.source_name}, {item.provenance.locator}"


def _conflicts(chosen: RecordedFact, earlier: list[RecordedFact]) -> list[str]:
    out = []
    mine = _fact(chosen).diplotype
    for item in earlier:
        other = _fact(item).diplotype
        if other and mine and other.replace(" ", "") != mine.replace(" ", ""):
            out.append(
                f"an earlier result disagrees: {other} ({_basis(item)}); the newest is used, "
                "resolve the discrepancy with the lab"
            )
    return out


def profile(*, session: Session, access: Access) -> PgxProfile:
    """Every pharmacogene with a table and the advice for every drug with a rule."""
    recorded = record_service.pharmacogenomic_results(session=session, access=access)
    results, others = gene_results(recorded)
    advice = [guidance.advise(d, g, results) for g, d in guidance.all_drugs()]
    return build_profile(str(access.patient_id), results, others, advice)


def build_profile(
    patient_id: str,
    results: dict[str, GeneResult],
    others: list[GeneResult],
    advice: list[DrugAdvice],
) -> PgxProfile:
    tables = cpic()
    return PgxProfile(
        patient_id=patient_id,
        genes=tuple(results.values()),
        other_results=tuple(others),
        advice=tuple(advice),
        table_version=tables.table_version,
        guidance_version=guidance_tables().version,
        attribution=f"{tables.source.attribution}; data {tables.source.licence}; "
        f"{tables.source.carrier}",
    )


def advice_for(
    *, session: Session, access: Access, drug: str | None, rxnorm: str | None = None
) -> DrugAdvice | None:
    """Advice for one ordered drug, or None when no PGx rule covers it."""
    found = guidance.find_drug(drug, rxnorm)
    if found is None:
        return None
    recorded = record_service.pharmacogenomic_results(session=session, access=access)
    results, _ = gene_results(recorded)
    group, name = found
    return guidance.advise(name, group, results)
