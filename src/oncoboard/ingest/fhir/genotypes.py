# SPDX-License-Identifier: Apache-2.0
"""Genomics Reporting genotype Observations (LOINC 84413-4 "Genotype display name") → a
lab-reported pharmacogenomic result. Diplotypes of genes with a CPIC table in OncoBoard are
checked allele by allele; an allele the table does not know is a located problem."""

from __future__ import annotations

import re

from oncoboard.errors import InputError
from oncoboard.ingest.fhir.values import LOINC, Json, components, date_of, has_code, label
from oncoboard.ingest.schemas import ProblemLog
from oncoboard.record.schemas import PharmacogenomicResult

GENOTYPE = "84413-4"  # Genotype display name (GR genotype profile)
GENE_STUDIED = "48018-6"
# HGNC ids seen in the Genomics Reporting examples (Observation-GenotypeExamplePharmVar,
# Observation-Pgx-geno-1001) when a coding has no display.
_HGNC = {"HGNC:2625": "CYP2D6", "HGNC:2621": "CYP2C19"}
_SUBALLELE = re.compile(r"(\*\d+[A-Z]?)\.\d{3}")


def is_genotype(resource: Json) -> bool:
    return has_code(resource.get("code"), LOINC, GENOTYPE)


def _gene(resource: Json, value: str) -> str | None:
    for component in components(resource, GENE_STUDIED):
        concept = component.get("valueCodeableConcept") or {}
        for coding in concept.get("coding", []) or []:
            if coding.get("display"):
                return str(coding["display"]).upper()
            if coding.get("code") in _HGNC:
                return _HGNC[str(coding["code"])]
        if concept.get("text"):
            return str(concept["text"]).upper()
    match = re.match(r"^([A-Z][A-Z0-9-]+)\*", value)
    return match.group(1) if match else None


def names_a_gene(resource: Json) -> bool:
    """The Observation says which gene its genotype is of (component or ``GENE*`` value)."""
    return _gene(resource, _value(resource).strip()) is not None


def _value(resource: Json) -> str:
    if isinstance(resource.get("valueString"), str):
        return str(resource["valueString"])
    concept = resource.get("valueCodeableConcept") or {}
    for coding in concept.get("coding", []) or []:
        if coding.get("display"):
            return str(coding["display"])
    return label(concept) or ""


def genotype_fact(resource: Json, locator: str, log: ProblemLog) -> PharmacogenomicResult | None:
    """The fact of one genotype Observation, or None with the problem logged."""
    value = _value(resource).strip()
    gene = _gene(resource, value)
    if gene is None:
        log.add(locator, "Observation.component[gene-studied]", "", "the gene (LOINC 48018-6)")
        return None
    text = re.sub(rf"\b{re.escape(gene)}(?=\*)", "", value.replace(" ", ""))
    if not text:
        log.add(locator, "Observation.value[x]", "", f"a {gene} genotype such as *1/*2")
        return None
    diplotype = _checked(gene, text, locator, log)
    if diplotype is False:
        return None
    return PharmacogenomicResult(
        gene=gene,
        diplotype=diplotype if isinstance(diplotype, str) else text,
        method="lab",
        test=label(resource.get("method")) or "FHIR genotype Observation",
        effective=date_of(resource, "effectiveDateTime", "effectivePeriod"),
    )


def _checked(gene: str, text: str, locator: str, log: ProblemLog) -> str | bool:
    """The diplotype as the CPIC table reads it (PharmVar sub-alleles *7.001 → *7 tried second)."""
    from oncoboard.pharmacogenomics.engine import check_diplotype
    from oncoboard.pharmacogenomics.tables import cpic

    if gene not in cpic().genes:
        return text
    first_error: InputError | None = None
    for candidate in dict.fromkeys((text, _SUBALLELE.sub(r"\1", text))):
        try:
            check_diplotype(gene, candidate, source="", locator=locator)
            return candidate
        except InputError as error:
            first_error = first_error or error
    assert first_error is not None
    for problem in first_error.problems:
        log.add(locator, "Observation.value[x]", problem.value, problem.expected)
    return False
