# SPDX-License-Identifier: Apache-2.0
"""Oncogenicity of a somatic variant by the ClinGen/CGC/VICC points SOP, as far as the record
allows, for the report's Tier III (uncertain significance) and Tier IV (benign) lists.

Criteria and points: Horak P et al., Genet Med 2022;24:986-998 (PMID 35101336), tables 2-3, as
encoded by PCGR in ``../shared/data/kb/pcgr/oncogenicity_criteria.tsv`` (MIT). Classes from the
summed points use the Bayesian point ranges the SOP builds on (>= 10 oncogenic, 6..9 likely
oncogenic, 0..5 uncertain, -1..-6 likely benign, <= -7 benign; Tavtigian et al., table 3 of
PMC8011844); PCGR itself uses slightly different thresholds. Only criteria that the variant
and gene lists decide are scored: the others need population frequencies, hotspot counts,
functional studies or in-silico predictions, which the record does not hold, and are named as
not evaluated (so most variants stay "uncertain").
"""

from __future__ import annotations

from dataclasses import dataclass

from oncoboard.record.schemas import SomaticVariant

NOT_SCORED = (
    "OS2/OS3/OM1/OM3/OM4/OP1/OP3/OP4 and SBVS1/SBS1/SBS2/SBP1 need functional studies, "
    "cancerhotspots.org counts, in-silico predictions or gnomAD frequencies, not in the record"
)
_NULL = ("stop_gained", "frameshift", "splice_acceptor", "splice_donor", "start_lost",
         "nonsense_mutation", "frame_shift", "splice_site", "translation_start_site")  # fmt: skip
_INFRAME = ("inframe_deletion", "inframe_insertion", "in_frame_del", "in_frame_ins", "stop_lost",
            "nonstop_mutation", "protein_altering")  # fmt: skip
_SILENT = ("synonymous_variant", "silent")


@dataclass(frozen=True)
class Oncogenicity:
    points: int
    classification: str
    criteria: tuple[str, ...]


def _consequence(variant: SomaticVariant) -> str:
    return (variant.consequence or "").lower()


def is_null(variant: SomaticVariant) -> bool:
    """Nonsense, frameshift, canonical splice site or start loss (OVS1's null variant)."""
    text, protein = _consequence(variant), variant.hgvs_p or ""
    return any(t in text for t in _NULL) or protein.endswith("*") or "fs" in protein


def classify(points: int) -> str:
    if points >= 10:
        return "oncogenic"
    if points >= 6:
        return "likely oncogenic"
    if points >= 0:
        return "uncertain significance"
    if points >= -6:
        return "likely benign"
    return "benign"


def score(variant: SomaticVariant, *, tumour_suppressor: bool, cancer_gene: bool) -> Oncogenicity:
    """Points for OVS1 (+8), OM2 (+2) and SBP2 (-1), the criteria the record decides."""
    criteria: list[tuple[str, int]] = []
    text = _consequence(variant)
    if tumour_suppressor and is_null(variant):
        criteria.append(("OVS1: null variant in a tumour-suppressor gene", 8))
    elif cancer_gene and any(t in text for t in _INFRAME):
        criteria.append(("OM2: protein length change in a cancer gene", 2))
    if any(t in text for t in _SILENT) or (variant.hgvs_p or "").endswith("="):
        criteria.append(("SBP2: synonymous (silent) variant", -1))
    points = sum(p for _, p in criteria)
    return Oncogenicity(points, classify(points), tuple(f"{c} ({p:+d})" for c, p in criteria))
