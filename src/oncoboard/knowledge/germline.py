# SPDX-License-Identifier: Apache-2.0
"""Genes with germline (hereditary cancer) significance, each with the source that says so.

A tumour-detected variant in one of these genes may be germline. The report states the origin
recorded for every such variant and prompts germline testing as the source recommends
(clinical safety invariant 7). Facts and citations:

- ESMO Precision Medicine Working Group, Kuzbari Z et al., Ann Oncol 2023;34(3):215-227,
  PMID 36529447 (abstract): germline follow-up of tumour-detected variants is recommended
  regardless of tumour type for seven "most actionable" genes (BRCA1, BRCA2, PALB2, MLH1, MSH2,
  MSH6, RET); the actionable intermediate-penetrance genes ATM and CHEK2 are included; for TP53,
  APC and STK11 the germline conversion rate of tumour-detected variants was < 2 %.
- PMS2: germline PMS2 variants cause 1-14 % of Lynch syndrome cancers (PMC7028990, abstract);
  not among ESMO's seven, so it is prompted as a Lynch-syndrome gene for truncating variants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Policy = Literal["always", "pathogenic", "clinical criteria"]

ESMO_2023 = "ESMO PMWG, Kuzbari Z et al., Ann Oncol 2023;34:215-227 (PMID 36529447)"
PMS2_SOURCE = "germline PMS2 variants cause 1-14 % of Lynch syndrome cancers (PMC7028990)"


@dataclass(frozen=True)
class GermlineGene:
    gene: str
    policy: Policy
    why: str
    citation: str


_MOST_ACTIONABLE = "germline follow-up recommended regardless of tumour type (most actionable)"
GENES: dict[str, GermlineGene] = {
    **{
        g: GermlineGene(g, "always", _MOST_ACTIONABLE, ESMO_2023)
        for g in ("BRCA1", "BRCA2", "PALB2", "MLH1", "MSH2", "MSH6", "RET")
    },
    **{
        g: GermlineGene(g, "pathogenic", "actionable intermediate-penetrance gene", ESMO_2023)
        for g in ("ATM", "CHEK2")
    },
    "PMS2": GermlineGene("PMS2", "pathogenic", "Lynch syndrome gene", PMS2_SOURCE),
    **{
        g: GermlineGene(
            g,
            "clinical criteria",
            "germline conversion rate of tumour-detected variants < 2 %: germline testing by "
            "personal/family history criteria",
            ESMO_2023,
        )
        for g in ("TP53", "APC", "STK11")
    },
}
# Tumour-suppressor genes of this list (inactivation is the mechanism: hereditary breast/ovarian,
# Lynch, Li-Fraumeni, FAP and Peutz-Jeghers syndromes); RET is an oncogene.
TUMOUR_SUPPRESSORS = frozenset(GENES) - {"RET"}


def prompt(gene: str, *, origin: str, pathogenic: bool) -> str | None:
    """The germline-testing prompt for a tumour variant, or None when none applies.

    Examples
    --------
    >>> prompt("BRCA2", origin="somatic", pathogenic=True)[:40]
    'Germline testing recommended: BRCA2 is a'
    >>> prompt("BRCA2", origin="germline", pathogenic=True) is None
    True
    """
    entry = GENES.get(gene)
    if entry is None or origin == "germline" or not pathogenic:
        return None
    if entry.policy == "clinical criteria":
        return (
            f"Consider germline testing by clinical criteria: {gene} {entry.why} "
            f"({entry.citation})."
        )
    return (
        f"Germline testing recommended: {gene} is a gene with germline significance "
        f"({entry.why}; {entry.citation}); a truncating or known pathogenic variant was found "
        f"and its origin is {origin}."
    )
