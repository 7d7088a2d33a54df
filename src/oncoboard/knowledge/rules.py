# SPDX-License-Identifier: Apache-2.0
"""Biomarker rules as typed data: what an assertion requires of a patient's tumour.

The actionability engine evaluates these against the patient record; an importer's job is to
turn each source row into exactly one rule (or drop the row with a reason). The kinds and their
specificity follow the match levels of the style guide (exact genomic > protein > codon > exon >
gene loss of function > gene any, the last off by default as PCGR decided).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from oncoboard.record.genomics import GenomeBuild

Gene = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]*(orf[0-9]+)?[A-Z0-9-]*$", max_length=32)]
Origin = Literal["somatic", "germline", "any"]
VariantClass = Literal[
    "missense", "nonsense", "frameshift", "splice_site", "inframe_indel", "activating"
]


class MatchLevel(StrEnum):
    """How specifically a rule matched; travels in a recommendation's basis."""

    EXACT_GENOMIC = "exact genomic"
    PROTEIN_CHANGE = "protein change"
    CODON = "codon"
    EXON = "exon"
    GENE_LOSS_OF_FUNCTION = "gene loss of function"
    FUSION = "fusion"
    COPY_NUMBER = "copy number"
    SIGNATURE = "genomic signature"
    EXPRESSION = "expression"
    # A recorded negative result (the gene was tested, nothing found): wild-type and "not"
    WILD_TYPE = "tested negative (wild type)"
    GENE_ANY = "gene, any alteration (low specificity)"


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GenomicRule(_Rule):
    kind: Literal["genomic"] = "genomic"
    genome_build: GenomeBuild
    chrom: str
    pos: int = Field(ge=1)
    ref: str = Field(pattern=r"^[ACGT-]+$")
    alt: str = Field(pattern=r"^[ACGT-]+$")
    gene: Gene | None = None
    origin: Origin = "somatic"


class ProteinRule(_Rule):
    """A protein change in canonical short form (``p.V600E``), see ``ProteinChange``."""

    kind: Literal["protein"] = "protein"
    gene: Gene
    protein_change: str
    origin: Origin = "somatic"


class CodonRule(_Rule):
    """Any change at one residue (``KRAS G12``)."""

    kind: Literal["codon"] = "codon"
    gene: Gene
    ref: str = Field(pattern=r"^[ACDEFGHIKLMNPQRSTVWY]$")
    position: int = Field(ge=1)
    origin: Origin = "somatic"


class ExonRule(_Rule):
    """EGFR exon 19 deletion, exon 20 insertion, MET exon 14 skipping."""

    kind: Literal["exon"] = "exon"
    gene: Gene
    exon: int = Field(ge=1)
    change: Literal["deletion", "insertion", "skipping", "mutation"]
    origin: Origin = "somatic"


class LossOfFunctionRule(_Rule):
    """Truncating or otherwise inactivating variants of a gene (e.g. BRCA1/2)."""

    kind: Literal["loss_of_function"] = "loss_of_function"
    gene: Gene
    origin: Origin = "any"
    variant_class: VariantClass | None = Field(
        default=None, description="only this consequence (MOAlmanac 'Nonsense'); None: any"
    )


class GeneAnyRule(_Rule):
    """Any alteration of a gene: low specificity, evaluated only when the user opts in."""

    kind: Literal["gene_any"] = "gene_any"
    gene: Gene
    origin: Origin = "somatic"
    variant_class: VariantClass | None = Field(
        default=None, description="only this consequence (MOAlmanac 'Missense'); None: any"
    )


class FusionRule(_Rule):
    """A fusion with a specific partner, or with any partner when one side is None."""

    kind: Literal["fusion"] = "fusion"
    gene_5p: Gene | None = None
    gene_3p: Gene | None = None
    ordered: bool = Field(
        default=True,
        description="False when the source names partners without orientation (MOAlmanac "
        "gene1/gene2): either gene may be the 5' partner",
    )


class CopyNumberRule(_Rule):
    kind: Literal["copy_number"] = "copy_number"
    gene: Gene
    direction: Literal["amplification", "deletion"]


class TmbRule(_Rule):
    kind: Literal["tmb"] = "tmb"
    at_least: float = Field(gt=0, description="mutations per megabase")


class MsiRule(_Rule):
    kind: Literal["msi"] = "msi"
    status: Literal["MSI-H/dMMR"] = "MSI-H/dMMR"


class ExpressionRule(_Rule):
    """Expression or IHC result from a clinical observation (HER2 3+, PD-L1 TPS ≥ 50 %)."""

    kind: Literal["expression"] = "expression"
    marker: str
    result: str


class WildTypeRule(_Rule):
    """The gene must be unaltered (e.g. KRAS wild-type for anti-EGFR antibodies)."""

    kind: Literal["wild_type"] = "wild_type"
    gene: Gene


class CompositeRule(_Rule):
    kind: Literal["composite"] = "composite"
    operator: Literal["and", "or", "not"]
    rules: tuple[AnyRule, ...] = Field(min_length=1)


class UnsupportedRule(_Rule):
    """A source biomarker OncoBoard cannot evaluate yet: kept, and reported as not evaluated."""

    kind: Literal["unsupported"] = "unsupported"
    description: str
    reason: str


AnyRule = Annotated[
    GenomicRule
    | ProteinRule
    | CodonRule
    | ExonRule
    | LossOfFunctionRule
    | GeneAnyRule
    | FusionRule
    | CopyNumberRule
    | TmbRule
    | MsiRule
    | ExpressionRule
    | WildTypeRule
    | CompositeRule
    | UnsupportedRule,
    Field(discriminator="kind"),
]
CompositeRule.model_rebuild()
