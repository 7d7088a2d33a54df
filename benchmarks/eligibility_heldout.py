# SPDX-License-Identifier: Apache-2.0
"""The round-4 held-out patient of the trial-eligibility set (LUNG-2), a FHIR R4 / mCODE bundle.

Not a real patient. Written and labelled blind to the criterion readers (no matcher, trial page
or eligibility benchmark was run on it before its labels were committed), to be scored once per
round of new readers. Unlike the four patients of ``eligibility_patients``: a premenopausal
woman of childbearing potential, KRAS G12D lung adenocarcinoma (a KRAS non-G12C NSCLC), a treated
and stable brain metastasis, bone metastases with recent palliative radiotherapy, two dated lines
with progression (chemo-immunotherapy stopped for immune-related pneumonitis, then docetaxel),
two steroid courses, a papillary thyroid carcinoma in 2019, a sulfonamide drug allergy,
resolved hepatitis B (anti-HBc positive, HBsAg negative, HBV DNA not detected), hypertension on
an ACE inhibitor, and borderline blood values (haemoglobin 9.6 g/dL, ALT 1.8 x ULN, QTcF 452 ms).
Screening date 2026-01-15, as for the others. Sources: ``data/trial_eligibility/heldout_r4/
SOURCES.md``.

Run: ``.venv/bin/python -m benchmarks.eligibility_heldout`` (rewrites the bundle).
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.eligibility_fhir import RXNORM, Patient
from benchmarks.eligibility_patients import (
    GX,
    JOHN,
    MOA,
    NOT_BREASTFEEDING,
    NOT_PREGNANT,
    REVIEW,
    STATUS,
    WORSENED,
    _blood,
    _body,
    _ecg,
    _no_effusions,
    _screening,
)

OUT = Path(__file__).parent / "data" / "trial_eligibility" / "heldout_r4"
PID = "LUNG-2"
ALLERGY_SMX = (
    "Synthea R4 AllergyIntolerance, bulk-ndjson-10-patients (RxNorm 10831 "
    "'Sulfamethoxazole / Trimethoprim', category medication, reaction wheal and skin eruption)"
)
SRS = "mCODE RadiotherapyCourseSummary (SNOMED 1217123003), as BREAST-1's radiotherapy"
PANEL = ["KRAS", "NRAS", "HRAS", "BRAF", "RAF1", "EGFR", "ALK", "ROS1", "MET", "RET", "ERBB2",
         "TP53", "STK11", "KEAP1", "NTRK1", "NTRK2", "NTRK3", "PIK3CA"]  # fmt: skip


def _disease(p: Patient) -> tuple[str, str]:
    """Lung adenocarcinoma IVB (brain, bone), KRAS G12D, PD-L1 5 %; thyroid cancer in 2019."""
    luad = p.cancer("Lung adenocarcinoma", oncotree="LUAD", stage="IVB", onset="2025-02-10",
                    body_site="Left lower lobe of lung",
                    note=f"Diagnosis by EBUS biopsy and stage authored; Condition after {JOHN}.")  # fmt: skip
    brain = p.cancer("Secondary malignant neoplasm of brain", onset="2025-02-10",
             body_site="Right frontal lobe",
             note="Single 14 mm right frontal metastasis on the staging MRI, treated by "
             "stereotactic radiosurgery 2025-03-04, authored.")  # fmt: skip
    p.cancer("Secondary malignant neoplasm of bone", onset="2025-02-10",
             body_site="T10 vertebra and right iliac bone",
             note="Bone metastases on the staging PET-CT, authored.")  # fmt: skip
    p.cancer("Papillary thyroid carcinoma", oncotree="THPA", stage="I", onset="2019-04-08",
             status="remission", body_site="Right thyroid lobe",
             note="Earlier cancer (pT1b N0), total thyroidectomy 2019-05-14, no radioiodine; "
             "no evidence of disease since, authored.")  # fmt: skip
    p.m_category("cM1c", "2025-02-20", "Clinical M category (brain and bone), authored; SNOMED "
                 "399387003 as in mCODE's TNM examples.")  # fmt: skip
    p.variant("KRAS", "p.Gly12Asp", 0.27, "2025-02-24", f"Tissue NGS result; after {GX}.")
    p.variant("TP53", "p.Arg248Gln", 0.22, "2025-02-24", f"Tissue NGS result; after {GX}.")
    p.genes_studied("Oncomine Precision Assay (tissue NGS)", PANEL, "2025-02-24",
                    f"Genes on the panel; no EGFR, ALK, ROS1, RET, MET, BRAF alteration; "
                    f"after {GX}.")  # fmt: skip
    p.marker("85147-7", "PD-L1", "2025-02-24", "PD-L1 22C3 tumour proportion score, authored.",
             value=5, unit="%")  # fmt: skip
    return luad, brain


def _brain(p: Patient, brain: str) -> None:
    """Dexamethasone and radiosurgery for the brain metastasis; stable and asymptomatic since."""
    p.medication("Dexamethasone", start="2025-02-12", end="2025-03-18", status="stopped",
                 treats=brain,
                 note="4 mg twice daily for peritumoural oedema, tapered and stopped 2025-03-18, "
                 "authored (not in MOAlmanac's list: text only).")  # fmt: skip
    p.procedure("Stereotactic radiosurgery to right frontal brain metastasis (21 Gy, 1 fraction)",
                start="2025-03-04", radiotherapy=True, note=f"Authored; after {SRS}.")  # fmt: skip
    p.result("MRI of brain with contrast", "Treated right frontal metastasis stable (6 mm, "
             "post-radiosurgery change); no new lesions; no leptomeningeal enhancement",
             "2026-01-06", "Surveillance brain MRI, authored (name and text only).")  # fmt: skip
    p.result("Neurological examination", "Normal; no headache, seizure or focal deficit",
             "2026-01-09", "At the screening visit, authored (name and text only).")  # fmt: skip


def _lines(p: Patient, luad: str) -> None:
    """First line carboplatin/pemetrexed/pembrolizumab (pembrolizumab stopped for pneumonitis),
    pemetrexed maintenance to progression; second line docetaxel to progression; palliative
    radiotherapy to the iliac bone."""
    first = "First-line chemo-immunotherapy, dates authored"
    p.medication("Carboplatin", ncit="C1282", start="2025-03-24", end="2025-05-26",
                 status="completed", treats=luad, note=f"{first}; 4 cycles; {MOA}.")  # fmt: skip
    p.medication("Pembrolizumab", ncit="C106432", start="2025-03-24", end="2025-08-11",
                 status="stopped", reason="Immune-related pneumonitis (CTCAE grade 2)",
                 treats=luad, note=f"{first}; permanently discontinued; {MOA}.")  # fmt: skip
    p.medication("Pemetrexed", ncit="C61614", start="2025-03-24", end="2025-10-27",
                 status="stopped", reason="Disease progression", treats=luad,
                 note=f"{first}, then maintenance; {MOA}.")  # fmt: skip
    p.status("97509-4", "Cancer disease progression", WORSENED, "2025-11-03",
             f"Growth of the primary and mediastinal nodes on CT, authored; after {STATUS}.")  # fmt: skip
    pneumonitis = p.condition("Immune-related pneumonitis (pembrolizumab), CTCAE grade 2",
                              onset="2025-08-18", status="resolved", abated="2025-10-06",
                              note="Drug-induced pneumonitis on CT, treated with prednisone; "
                              "resolved, authored.")  # fmt: skip
    p.medication("Prednisone", ncit="C770", start="2025-08-19", end="2025-10-01",
                 status="stopped", treats=pneumonitis,
                 note=f"1 mg/kg daily tapered over 6 weeks for pneumonitis, authored; {MOA}.")  # fmt: skip
    p.medication("Docetaxel", ncit="C1526", start="2025-11-17", end="2025-12-08",
                 status="stopped", reason="Disease progression", treats=luad,
                 note=f"Second-line docetaxel 75 mg/m2, 2 cycles, dates authored; {MOA}.")  # fmt: skip
    p.status("97509-4", "Cancer disease progression", WORSENED, "2025-12-29",
             f"New painful right iliac lesion and growth of the primary on CT, authored; "
             f"after {STATUS}.")  # fmt: skip
    p.procedure("Palliative radiotherapy to right iliac bone metastasis (8 Gy, 1 fraction)",
                start="2026-01-05", radiotherapy=True, note=f"Authored; after {SRS}.")  # fmt: skip
    p.condition("Measurable disease (RECIST 1.1)", recorded="2025-12-29",
                note="Target lesions: left lower lobe primary 34 mm, subcarinal node 18 mm short "
                "axis, per RECIST 1.1, authored.")  # fmt: skip
    _no_effusions(p, "2025-12-29")


def _history(p: Patient) -> None:
    """Thyroidectomy, hypertension, resolved hepatitis B, the allergy and the comorbidity review."""
    p.procedure("Total thyroidectomy", start="2019-05-14",
                note="For papillary thyroid carcinoma, authored.")  # fmt: skip
    hypothyroid = p.condition("Postsurgical hypothyroidism", onset="2019-05-14", note="Authored.")
    p.medication("Levothyroxine", start="2019-05-20", status="active", treats=hypothyroid,
                 note="Thyroid replacement, authored (not an anticancer drug).")  # fmt: skip
    hypertension = p.condition("Essential hypertension", onset="2021-06-07",
                               note=f"Comorbidity, authored; after {REVIEW}.")  # fmt: skip
    p.medication("Lisinopril", start="2021-06-21", status="active", treats=hypertension,
                 note="ACE inhibitor for hypertension, authored (not an anticancer drug).")  # fmt: skip
    hbv = p.condition("Resolved hepatitis B virus infection (anti-HBc positive, HBsAg negative)",
                      status="resolved", recorded="2025-03-12",
                      note="Past infection found at the pre-treatment serology; HBV DNA not "
                      "detected; no antiviral prophylaxis, monitored; authored.")  # fmt: skip
    note = "Pre-treatment serology, authored (names only, no code)."
    for name, value in (
        ("HIV 1+2 antibody [Presence] in Serum", "Negative"),
        ("Hepatitis B virus surface antigen [Presence] in Serum", "Negative"),
        ("Hepatitis B virus core antibody [Presence] in Serum", "Positive"),
        ("Hepatitis B virus surface antibody [Presence] in Serum", "Positive"),
        ("Hepatitis B virus DNA [Presence] in Serum or Plasma by NAA with probe detection",
         "Not detected"),
        ("Hepatitis C virus antibody [Presence] in Serum", "Negative"),
        ("Treponema pallidum antibody [Presence] in Serum", "Negative"),
    ):  # fmt: skip
        p.result(name, value, "2025-03-12", note)
    p.result("Hepatitis B virus DNA [Presence] in Serum or Plasma by NAA with probe detection",
             "Not detected", "2025-12-30", "Monitoring during chemotherapy, authored.")  # fmt: skip
    p.allergy(recorded="2026-01-09", category="medication",
              substance={"coding": [{"system": RXNORM, "code": "10831",
                                     "display": "Sulfamethoxazole / Trimethoprim"}],
                         "text": "Sulfamethoxazole / Trimethoprim"},
              note=f"Urticarial rash in 2012, authored; after {ALLERGY_SMX}.")  # fmt: skip
    p.comorbidities(
        present=[hypertension, hypothyroid, hbv],
        absent=["Autoimmune disease", "Cardiac disease", "Myocardial infarction",
                "Unstable angina", "Congestive heart failure", "Cardiac arrhythmia", "Stroke",
                "Transient ischemic attack", "Pulmonary embolism", "Deep vein thrombosis",
                "Organ transplant recipient", "Chronic liver disease", "Immunodeficiency",
                "Bleeding disorder"],
        date="2026-01-09", note=f"Pre-screening comorbidity review, authored; after {REVIEW}.",
    )  # fmt: skip


def lung_g12d() -> Patient:
    """46-year-old premenopausal woman, KRAS G12D lung adenocarcinoma IVB (treated brain and
    bone metastases), progressed after chemo-immunotherapy and docetaxel."""
    p = Patient(PID)
    p.person("Lena Two", "female", "1979-09-18", f"After {JOHN} (record shape).")
    luad, brain = _disease(p)
    _brain(p, brain)
    _lines(p, luad)
    _history(p)
    _blood(p, "2026-01-09", {"wbc": 3.1, "anc": 1.6, "alc": 0.7, "hb": 9.6, "plt": 118,
                             "creat": 0.62, "bili": 0.4, "alt": 62, "ast": 41, "alp": 96,
                             "alb": 3.6, "inr": 1.0, "aptt": 28}, female=True)  # fmt: skip
    p.result("Choriogonadotropin (pregnancy test) [Presence] in Serum", "Negative",
             "2026-01-12", "Serum hCG at screening, authored (name only, no code).")  # fmt: skip
    p.status("82810-3", "Pregnancy status", NOT_PREGNANT, "2026-01-12",
             "Premenopausal, regular cycles, of childbearing potential; copper intrauterine "
             "device since 2023; authored; LOINC as in IPS.")  # fmt: skip
    p.status("63895-7", "Breastfeeding status", NOT_BREASTFEEDING, "2026-01-12", "Authored.")
    _screening(p, "2026-01-09", 96, flu="2025-10-21", bp=(138, 86))
    _body(p, "2026-01-09", 61, 168)
    _ecg(p, "2026-01-09", 452)
    p.ecog(1, "2026-01-09", "ECOG at the screening visit, authored; LOINC 89247-1 as in mCODE.")
    return p


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    patient = lung_g12d()
    path = OUT / f"{patient.pid}.json"
    path.write_text(json.dumps(patient.bundle(), indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
