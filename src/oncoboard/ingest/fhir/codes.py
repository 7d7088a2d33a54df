# SPDX-License-Identifier: Apache-2.0
"""Code tables that classify FHIR content (mCODE STU4 / Genomics Reporting), with their sources."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from oncoboard.ingest.fhir.values import LOINC, SNOMED

SNOMED_SYSTEM = SNOMED
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
NCIT = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"

# Genomics Reporting / mCODE genomic variant: LOINC 69548-6 "Genetic variant assessment".
VARIANT = "69548-6"
GENOTYPE = "84413-4"  # Genotype display name (Genomics Reporting genotype, e.g. pharmacogenes)
ABSENT = "LA9634-2"  # LOINC answer "Absent": a pertinent negative, not a finding
TMB = "94076-7"  # Mutations/Megabase [# Ratio] in Tumor
MSI = "81695-9"  # Microsatellite instability [Interpretation] in Cancer specimen
ECOG = "89247-1"
KARNOFSKY = "89243-0"
LANSKY = (NCIT, "C38144")  # mCODE codes Lansky with NCIt, not LOINC (interop-notes §3.1)

# TNM categories and stage groups: SNOMED observables from mCODE 4.0 TNM profiles, plus the
# LOINC codes older EHR exports use (21905-5 … 21908-9 clinical, 21899-0 … 21902-2 pathologic).
TNM_CATEGORY = {
    (SNOMED, "399504009"): "cT category",
    (SNOMED, "399534004"): "cN category",
    (SNOMED, "399387003"): "cM category",
    (SNOMED, "384625004"): "pT category",
    (SNOMED, "371494008"): "pN category",
    (SNOMED, "371497001"): "pM category",
    (LOINC, "21905-5"): "cT category",
    (LOINC, "21906-3"): "cN category",
    (LOINC, "21907-1"): "cM category",
    (LOINC, "21899-0"): "pT category",
    (LOINC, "21900-6"): "pN category",
    (LOINC, "21901-4"): "pM category",
}
# Staging systems mCODE 4.0 examples use (profile mcode-cancer-stage) that its CancerStageTypeVS
# does not list: Breslow depth, Clark level (SNOMED), Rai and R-ISS (NCIt).
OTHER_STAGING = {
    (SNOMED, "106243009"): "Breslow depth stage",
    (SNOMED, "103419001"): "Clark level",
    (NCIT, "C141207"): "Rai stage",
    (NCIT, "C141392"): "R-ISS stage",
}
STAGE_GROUP = {
    (SNOMED, "399390009"): "TNM stage group",
    (SNOMED, "399537006"): "clinical TNM stage group",
    (SNOMED, "399588009"): "pathologic TNM stage group",
    (LOINC, "21908-9"): "clinical TNM stage group",
    (LOINC, "21902-2"): "pathologic TNM stage group",
}

# Short names for the tumour markers a tumour board reads first; other codes of the mCODE
# TumorMarkerTestVS keep the LOINC component name (the part before " [").
MARKER_NAMES = {
    "48676-1": "HER2",
    "72382-5": "HER2",
    "85319-2": "HER2",
    "85318-4": "HER2",
    "85337-4": "ER",
    "16112-5": "ER",
    "40556-3": "ER",
    "85339-0": "PR",
    "16113-3": "PR",
    "40557-1": "PR",
    "39004-7": "EGFR",
    "85147-7": "PD-L1",
    "83052-1": "PD-L1",
    "2857-1": "PSA",
    "2039-6": "CEA",
    "10334-1": "CA-125",
    "24108-3": "CA 19-9",
}
# Molecular biomarkers outside the mCODE ValueSet: GR 3.0 HER2byImmuneStainExample uses 18474-7;
# Oncotype DX is coded with the NIH Genetic Testing Registry id (mCODE tumor-marker example).
EXTRA_MARKERS = {
    (LOINC, "18474-7"): "HER2",
    ("http://www.ncbi.nlm.nih.gov/gtr", "509910"): "Oncotype DX recurrence score",
}

# SNOMED radiotherapy course summary (mCODE RadiotherapyCourseSummary.code, fixed value).
RADIOTHERAPY_COURSE = (SNOMED, "1217123003")
# Genomic sequencing as a Procedure (GR 3.0 genomic-study examples): a test, not a treatment.
SEQUENCING_PROCEDURES = {(SNOMED, "443968007")}

# Reference assembly answers of LOINC 62374-4 (LOINC answer list LL1040-6).
ASSEMBLY_ANSWERS = {"LA14029-5": "GRCh37", "LA26806-2": "GRCh38"}
SOMATIC, GERMLINE = "LA6684-0", "LA6683-2"  # LOINC 48002-0 genomic source class answers

# Cancer conditions. mCODE's cancer disorder ValueSets are SNOMED is-a filters, which need a
# terminology server; offline we use (1) the codes seen in mCODE and Synthea data, (2) ICD-10
# C00-D09 and ICD-O-3, and (3) the SNOMED display words of malignant disorders.
CANCER_SNOMED = frozenset(
    {
        "363346000", "353431000119107", "254637007", "424132000", "254632001",
        "67811000119102", "92814006", "277571004", "128462008", "94225005", "94260004",
        "93761005", "109838007", "363406005", "126906006", "314994000", "92691004",
        "254837009",
    }
)  # fmt: skip
CANCER_WORDS = re.compile(
    r"malignan|carcinoma|cancer|neoplasm|lymphoma|leuka?emia|melanoma|sarcoma|myeloma|"
    r"blastoma|metasta|tumou?r",
    re.IGNORECASE,
)
NOT_CANCER_WORDS = re.compile(
    r"suspected|history of|benign|screening|family history|risk of|\(situation\)|\(finding\)",
    re.IGNORECASE,
)
SECONDARY_WORDS = re.compile(r"secondary|metastasis from|metastatic", re.IGNORECASE)
ICD10 = ("http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10")
ICD10_CANCER = re.compile(r"^(C\d\d|D0\d)")
ICDO3 = ("http://terminology.hl7.org/CodeSystem/icd-o-3", "urn:oid:2.16.840.1.113883.6.43.1")


@lru_cache(maxsize=1)
def _valuesets() -> dict[str, dict[str, str]]:
    text = resources.files("oncoboard.ingest.fhir").joinpath("data/mcode-valuesets.json")
    loaded: dict[str, dict[str, str]] = json.loads(text.read_text(encoding="utf-8"))
    return loaded


def tumor_marker_name(system: str, code: str) -> str | None:
    """Name of a tumour-marker test code (mCODE TumorMarkerTestVS, 513 LOINC codes), else None."""
    if (system, code) in EXTRA_MARKERS:
        return EXTRA_MARKERS[(system, code)]
    if system != LOINC:
        return None
    display = _valuesets()["tumor_marker_test"].get(code)
    if display is None:
        return None
    return MARKER_NAMES.get(code) or display.split(" [")[0]


def cancer_stage_name(system: str, code: str) -> str | None:
    """Name of a staging observable (mCODE CancerStageTypeVS, SNOMED and NCIt), else None."""
    key = (system, code)
    if key in STAGE_GROUP:
        return STAGE_GROUP[key]
    if key in TNM_CATEGORY:
        return TNM_CATEGORY[key]
    if key in OTHER_STAGING:
        return OTHER_STAGING[key]
    display = _valuesets()["cancer_stage_type"].get(f"{system}|{code}")
    return (
        re.sub(r"\s*\((observable entity|finding|tumor staging)\)$", "", display)
        if display
        else None
    )
