# SPDX-License-Identifier: Apache-2.0
"""Small, cited vocabularies the criteria reader uses: tumour names, drug classes, genes.

Kept deliberately narrow: a phrase that is not listed stays a criterion for review.
"""

from __future__ import annotations

import re

# Tumour phrases → OncoTree 2021_11_02 codes (node names checked with knowledge.oncotree.load:
# NSCLC "Non-Small Cell Lung Cancer", PAAD "Pancreatic Adenocarcinoma", PANCREAS tissue,
# COADREAD "Colorectal Adenocarcinoma", BOWEL tissue, BRCA "Invasive Breast Carcinoma",
# BREAST tissue, BILIARY_TRACT tissue, OVARY tissue, PROSTATE tissue, UCEC "Endometrial Carcinoma").
CANCER_TYPES: tuple[tuple[re.Pattern[str], tuple[str, ...], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), codes, label)
    for pattern, codes, label in (
        (r"\bnon[- ]small[- ]cell lung (?:cancer|carcinoma)\b|\bNSCLC\b", ("NSCLC",), "NSCLC"),
        (
            r"\bpancreatic ductal (?:adeno)?carcinoma\b|\bPDAC\b|\bpancreatic adenocarcinoma\b",
            ("PAAD",),
            "pancreatic adenocarcinoma",
        ),
        (
            r"\b(?:exocrine )?pancreatic cancer\b|\bcancer of the pancreas\b",
            ("PANCREAS",),
            "pancreatic cancer",
        ),
        (
            r"\bcolorectal (?:cancer|adenocarcinoma|carcinoma)\b|\bCRC\b",
            ("COADREAD",),
            "colorectal cancer",
        ),
        (r"\bcolon cancer\b|(?<=\bor )colon\b", ("COAD",), "colon cancer"),
        (r"\b(?:early )?invasive breast cancer\b", ("BRCA",), "invasive breast cancer"),
        (r"\bbreast cancer\b", ("BREAST",), "breast cancer"),
        (r"\bbiliary tract cancer\b|\bBTC\b", ("BILIARY_TRACT",), "biliary tract cancer"),
        (r"\bovarian cancer\b", ("OVARY",), "ovarian cancer"),
        (r"\bprostate cancer\b", ("PROSTATE",), "prostate cancer"),
        (r"\bendometrial cancer\b", ("UCEC",), "endometrial cancer"),
        # digestive-tract and hepatopancreatobiliary tissues of OncoTree 2021_11_02 (Esophagus/
        # Stomach, Bowel, Pancreas, Biliary Tract, Liver, Ampulla of Vater); NCT05786924 names
        # PDAC, CRC and BTC as its examples of "GI tumors"
        (
            r"\b(?:GI|gastrointestinal)(?: \([^)]*\))? (?:tumou?rs?|cancers?|malignanc(?:y|ies)|"
            r"carcinomas?)\b",
            ("STOMACH", "BOWEL", "PANCREAS", "BILIARY_TRACT", "LIVER", "AMPULLA_OF_VATER"),
            "gastrointestinal cancer",
        ),
    )
)
# not "Response Evaluation Criteria in Solid Tumors" (RECIST)
SOLID_TUMOUR = re.compile(r"(?<!criteria in )\bsolid tumou?rs?\b", re.IGNORECASE)

# Drug classes named in exclusion criteria; members from the US prescribing information of each
# approved agent (Drugs@FDA labels: Lumakras/sotorasib 2021, Krazati/adagrasib 2022 for KRAS
# G12C; Ibrance, Kisqali, Verzenio for CDK4/6; PD-1/PD-L1/CTLA-4 labels for checkpoint
# inhibitors; Tarceva, Iressa, Gilotrif, Vizimpro, Tagrisso for EGFR TKIs). Investigational
# agents only where the criteria text itself names them (JAB-21822 = glecirasib, LY3537982 =
# olomorasib, both KRAS G12C inhibitors per the records' intervention descriptions).
DRUG_CLASSES: dict[str, tuple[str, ...]] = {
    "KRAS G12C inhibitor": (
        "sotorasib", "adagrasib", "divarasib", "glecirasib", "jab-21822", "olomorasib",
        "ly3537982", "garsorasib", "fulzerasib",
    ),
    "KRAS G12D inhibitor": ("mrtx1133", "zoldonrasib", "tsn1611"),
    "CDK4/6 inhibitor": ("palbociclib", "ribociclib", "abemaciclib"),
    "immune checkpoint inhibitor": (
        "pembrolizumab", "nivolumab", "cemiplimab", "dostarlimab", "atezolizumab",
        "durvalumab", "avelumab", "ipilimumab", "tremelimumab", "tislelizumab", "toripalimab",
        "sintilimab", "camrelizumab",
    ),
    "EGFR tyrosine kinase inhibitor": (
        "erlotinib", "gefitinib", "afatinib", "dacomitinib", "osimertinib", "lazertinib",
    ),
}  # fmt: skip
DRUG_CLASS_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), name)
    for pattern, name in (
        (r"\bKRAS[ -]?G12C (?:small[- ]molecule )?(?:inhibitors?|targeted therap\w+)", "KRAS G12C inhibitor"),
        (r"\bKRAS[ -]?G12D (?:small[- ]molecule )?(?:inhibitors?|targeted therap\w+)", "KRAS G12D inhibitor"),
        (r"\bCDK(?:4/6)? inhibitors?\b", "CDK4/6 inhibitor"),
        (r"\bimmunotherapy agents?\b|\banti-PD-1\b|\bimmune checkpoint inhibitors?\b", "immune checkpoint inhibitor"),
        (r"\bEGFR(?:[- ]TKIs?| tyrosine kinase inhibitors?)\b", "EGFR tyrosine kinase inhibitor"),
    )
)  # fmt: skip

# HGNC symbols the reader recognises in eligibility text (the genes of the real records plus
# the common actionable ones); an unlisted word is never taken for a gene.
GENES = frozenset(
    {
        "KRAS", "NRAS", "HRAS", "BRAF", "EGFR", "ALK", "ROS1", "RET", "MET", "ERBB2", "NTRK1",
        "NTRK2", "NTRK3", "PIK3CA", "IDH1", "IDH2", "FGFR2", "FGFR3", "BRCA1", "BRCA2",
        "RAF1", "MAP2K1", "MAP2K2",
    }
)  # fmt: skip
