# SPDX-License-Identifier: Apache-2.0
"""Pure phenotype engine: diplotype → (activity score) → CPIC phenotype, with bounds for calls
that could not be made. Guidance per drug lives in ``guidance.py``."""

from __future__ import annotations

from itertools import product

from oncoboard.errors import InputError
from oncoboard.pharmacogenomics import alleles as allele_names
from oncoboard.pharmacogenomics.schemas import (
    INDETERMINATE,
    NOT_TESTED,
    AlleleFunction,
    CpicAllele,
    GeneResult,
    GeneTable,
)
from oncoboard.pharmacogenomics.tables import cpic
from oncoboard.record.schemas import PharmacogenomicResult

CYP2D6_NOTE = (
    "CYP2D6 is taken only from lab calls: its gene deletion (*5), duplications and CYP2D6/CYP2D7 "
    "hybrids are structural variants that a small-variant VCF does not show (they need read "
    "depth from BAM data or a dedicated assay), so a VCF-derived CYP2D6 diplotype could read "
    "*1/*1 for a poor metabolizer."
)


def not_tested(gene: str) -> GeneResult:
    table = cpic().genes[gene]
    return GeneResult(
        gene=gene,
        status="not_tested",
        phenotype=NOT_TESTED,
        notes=("no result for this gene in the record",),
        guideline=table.guideline,
        table_version=cpic().table_version,
    )


def _strand_value(table: GeneTable, strand: list[CpicAllele]) -> CpicAllele:
    """DPYD: the lowest-activity variant on the strand counts (CPIC); others have one allele."""
    return min(strand, key=lambda a: a.activity_value if a.activity_value is not None else 9)


def phenotype_of(
    table: GeneTable, first: CpicAllele, second: CpicAllele
) -> tuple[str, float | None]:
    """CPIC phenotype of two strand alleles (activity score for DPYD, function pair otherwise)."""
    if table.lookup == "activity_score":
        if first.activity_value is None or second.activity_value is None:
            return INDETERMINATE, None
        score = first.activity_value + second.activity_value
        for rule in table.phenotype_rules:
            if rule.activity_score == score:
                return rule.phenotype, score
        return INDETERMINATE, score
    pair = tuple(sorted((first.function, second.function)))
    for rule in table.phenotype_rules:
        if rule.functions == pair:
            return rule.phenotype, None
    return INDETERMINATE, None


def interpret(
    fact: PharmacogenomicResult, *, fact_id: int | None = None, basis: str | None = None
) -> GeneResult:
    """A recorded result → its CPIC phenotype (or why none can be given)."""
    tables = cpic()
    table = tables.genes.get(fact.gene)
    common = {
        "gene": fact.gene,
        "diplotype": fact.diplotype,
        "method": "germline VCF" if fact.method == "vcf" else "lab-reported",
        "basis": basis,
        "fact_id": fact_id,
        "effective": fact.effective,
        "reported_phenotype": fact.reported_phenotype,
    }
    if table is None:
        notes = [
            f"no CPIC table for {fact.gene} in this release: the lab's result is shown as reported"
        ]
        if fact.gene == "CYP2D6":
            notes.append(CYP2D6_NOTE)
        return GeneResult(
            status="no_table",
            phenotype=fact.reported_phenotype or "not interpreted",
            notes=tuple(notes),
            **common,
        )
    common |= {"guideline": table.guideline, "table_version": tables.table_version}
    if not fact.diplotype:
        return GeneResult(
            status="indeterminate",
            phenotype=INDETERMINATE,
            notes=(*fact.notes, "no diplotype: CPIC phenotypes are assigned from the diplotype"),
            **common,
        )
    first, second = allele_names.parse(
        table, fact.diplotype, source=basis or "record", locator=f"{fact.gene} result"
    )
    strands = (_strand_value(table, first), _strand_value(table, second))
    phenotype, score = phenotype_of(table, *strands)
    notes = list(fact.notes)
    status = "determined" if phenotype != INDETERMINATE else "indeterminate"
    if fact.not_called:
        phenotype, score, status, more = _bounded(table, strands, fact.not_called, phenotype, score)
        notes.extend(more)
    notes.extend(_discrepancy(fact, phenotype, score))
    return GeneResult(
        status=status,
        phenotype=phenotype,
        activity_score=score,
        alleles=tuple(
            AlleleFunction(name=a.name, function=a.function, activity_value=a.activity_value)
            for a in (*first, *second)
        ),
        notes=tuple(notes),
        **common,
    )


def _bounded(
    table: GeneTable,
    strands: tuple[CpicAllele, CpicAllele],
    not_called: tuple[str, ...],
    phenotype: str,
    score: float | None,
) -> tuple[str, float | None, str, list[str]]:
    """Every phenotype the uncalled alleles could still give; one → kept, several → Indeterminate."""
    candidates = [a for name in not_called if (a := allele_names.find_allele(table, name))]
    options = []
    for strand in strands:
        choices = [strand]
        if table.lookup == "activity_score":
            choices += [
                c for c in candidates if (c.activity_value or 0) < (strand.activity_value or 0)
            ]
        elif strand.name == table.reference_allele:
            choices += candidates
        options.append(choices)
    possible = {phenotype_of(table, a, b) for a, b in product(*options)}
    shown = ", ".join(not_called)
    if len({p for p, _ in possible}) == 1 and len(possible) == 1:
        return (
            phenotype,
            score,
            "determined",
            [f"not called: {shown}; whatever they hold, the phenotype stays {phenotype}"],
        )
    ranked = sorted(possible, key=lambda p: -(p[1] if p[1] is not None else 0))
    listed = "; ".join(
        f"{p}" + (f" (activity score {s:g})" if s is not None else "") for p, s in ranked
    )
    return (
        INDETERMINATE,
        None,
        "indeterminate",
        [
            f"incomplete genotype: not called {shown}",
            f"with the calls made it is {phenotype}"
            + (f" (activity score {score:g})" if score is not None else "")
            + f"; the uncalled positions allow: {listed}",
        ],
    )


def _discrepancy(fact: PharmacogenomicResult, phenotype: str, score: float | None) -> list[str]:
    out = []
    reported = (fact.reported_phenotype or "").lower().replace("metaboliser", "metabolizer")
    if reported and phenotype != INDETERMINATE and reported != phenotype.lower():
        out.append(
            f"the lab reported '{fact.reported_phenotype}'; the CPIC tables give '{phenotype}' "
            "for this diplotype: review before use"
        )
    reported_score = fact.reported_activity_score
    if reported_score is not None and score is not None and abs(reported_score - score) > 1e-9:
        out.append(
            f"the lab reported activity score {reported_score:g}; the CPIC "
            f"tables give {score:g}: review before use"
        )
    return out


def check_diplotype(gene: str, diplotype: str, *, source: str, locator: str) -> None:
    """Refuse, located, a diplotype whose alleles are not in the gene's CPIC table."""
    table = cpic().genes.get(gene)
    if table is None:
        return
    allele_names.parse(table, diplotype, source=source, locator=locator)


def safe_interpret(
    fact: PharmacogenomicResult, *, fact_id: int | None = None, basis: str | None = None
) -> GeneResult:
    """``interpret`` for stored facts: a result the tables cannot read becomes Indeterminate."""
    try:
        return interpret(fact, fact_id=fact_id, basis=basis)
    except InputError as error:
        table = cpic().genes.get(fact.gene)
        return GeneResult(
            gene=fact.gene,
            status="indeterminate",
            phenotype=INDETERMINATE,
            diplotype=fact.diplotype,
            basis=basis,
            fact_id=fact_id,
            notes=(str(error),),
            guideline=table.guideline if table else None,
            table_version=cpic().table_version,
        )
