# SPDX-License-Identifier: Apache-2.0
"""Pharmacogenomic values: CPIC tables as loaded, gene results and drug guidance as computed."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Verification = Literal["seen_in_source", "secondary_source", "from_memory"]
Action = Literal["standard", "reduce", "avoid", "monitor", "test"]
# CPIC phenotype terms (TPMT/NUDT15 add "Possible Intermediate Metabolizer"); the last two are ours.
Status = Literal["determined", "indeterminate", "not_tested", "no_table"]

NORMAL = "Normal Metabolizer"
INTERMEDIATE = "Intermediate Metabolizer"
POSSIBLE_INTERMEDIATE = "Possible Intermediate Metabolizer"
POOR = "Poor Metabolizer"
INDETERMINATE = "Indeterminate"
NOT_TESTED = "Not tested"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CpicAllele(_Frozen):
    name: str
    function: str
    activity_value: float | None = None
    aliases: tuple[str, ...] = ()


class PhenotypeRule(_Frozen):
    phenotype: str
    activity_score: float | None = None
    functions: tuple[str, ...] | None = None


class VcfSite(_Frozen):
    chrom: str
    pos: int
    ref: str
    alts: tuple[str, ...]
    rsid: str | None = None
    hgvs_g: str | None = None
    labels: tuple[str, ...] = ()


class GeneTable(_Frozen):
    """One gene's CPIC allele functionality and diplotype-phenotype rules (GRCh38 sites)."""

    gene: str
    reference_allele: str
    lookup: Literal["activity_score", "function_pair"]
    guideline: str
    genome_build: str
    chromosome: str
    alleles: tuple[CpicAllele, ...]
    phenotype_rules: tuple[PhenotypeRule, ...]
    vcf_sites: tuple[VcfSite, ...]
    vcf_alleles: dict[str, dict[str, str]]


class TableSource(_Frozen):
    publisher: str
    licence: str
    attribution: str
    carrier: str
    paths: tuple[str, ...]
    data_version: str


class CpicTables(_Frozen):
    table_version: str
    source: TableSource
    genes: dict[str, GeneTable]


class AlleleFunction(_Frozen):
    name: str
    function: str
    activity_value: float | None = None


class GeneResult(_Frozen):
    """A gene's phenotype for one patient, with what it rests on and how sure it is."""

    gene: str
    status: Status
    phenotype: str
    diplotype: str | None = None
    alleles: tuple[AlleleFunction, ...] = ()
    activity_score: float | None = None
    method: str | None = None
    basis: str | None = None  # the fact it was computed from: "fact 12: lab.csv line 3"
    fact_id: int | None = None
    effective: str | None = None
    reported_phenotype: str | None = None
    notes: tuple[str, ...] = ()
    guideline: str | None = None
    table_version: str | None = None

    @property
    def label(self) -> str:
        score = (
            f", activity score {self.activity_score:g}" if self.activity_score is not None else ""
        )
        diplotype = f" {self.diplotype}" if self.diplotype else ""
        return f"{self.gene}{diplotype}: {self.phenotype}{score}"


class GuidanceRule(_Frozen):
    id: str
    when: dict[str, dict[str, list[float] | list[str]]]
    action: Action
    percent: tuple[int, int] | None = None
    text: str
    strength: str
    sources: tuple[str, ...]
    verification: Verification
    drug_verification: dict[str, Verification] = Field(default_factory=dict)
    # the drugs of the group this row is for (empty: all); the first row that matches wins
    drugs: tuple[str, ...] = ()


class Fallback(_Frozen):
    action: Action
    text: str
    sources: tuple[str, ...]
    verification: Verification


class DrugMember(_Frozen):
    aliases: tuple[str, ...] = ()
    rxnorm: tuple[str, ...] = ()
    rxnorm_verification: Verification
    label: str


class DrugGroup(_Frozen):
    members: dict[str, DrugMember]
    genes: tuple[str, ...]
    guideline: str
    provisional: bool
    rules: tuple[GuidanceRule, ...]
    untested: Fallback
    indeterminate: Fallback


class GuidanceTables(_Frozen):
    version: str
    note: str
    sources: dict[str, str]
    drugs: dict[str, DrugGroup]


class DrugAdvice(_Frozen):
    """What the genotype means for starting one drug: action, dose range, citations."""

    drug: str
    group: str
    action: Action
    percent: tuple[int, int] | None = None
    text: str
    rule_id: str | None = None
    genes: tuple[GeneResult, ...]
    citations: tuple[str, ...]
    verification: Verification
    provisional: bool = False
    warnings: tuple[str, ...] = ()
    guideline: str
    guidance_version: str
    table_version: str

    @property
    def actionable(self) -> bool:
        """Worth an alert: a change from the label dose, or a missing/incomplete result."""
        return self.action != "standard"

    @property
    def dose_text(self) -> str:
        if self.percent is None:
            return "no starting dose proposed"
        low, high = self.percent
        return f"{low} % of the standard starting dose" if low == high else f"{low}-{high} %"


class PgxProfile(_Frozen):
    """A patient's pharmacogenomic picture: every gene with a table, and advice per drug."""

    patient_id: str
    genes: tuple[GeneResult, ...]
    other_results: tuple[GeneResult, ...] = ()
    advice: tuple[DrugAdvice, ...]
    table_version: str
    guidance_version: str
    attribution: str
