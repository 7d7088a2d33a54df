# SPDX-License-Identifier: Apache-2.0
"""The four patients of the trial-eligibility set, written as FHIR R4 / mCODE bundles.

Not real patients. Each is a pre-screening record of the kind a tumour board holds (blood count,
chemistry, coagulation, ECG, weight and height, ECOG, dated therapy lines, comorbidity review,
serology, brain imaging where it is usually done), modelled on the public examples named in each
resource's note and in ``data/trial_eligibility/patients/SOURCES.md``. Values are authored as
typical for the case; reference ranges are typical adult ranges, not a named laboratory's.
Screening date 2026-01-15. LUNG-1, BREAST-1 and CRC-1 are the development patients; PANC-1 is
the check patient (written before the new readers; its results were not looked at while writing
them).

Run: ``.venv/bin/python -m benchmarks.eligibility_patients`` (rewrites the bundles).
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.eligibility_fhir import LOINC, RXNORM, SNOMED, UCUM, Patient

OUT = Path(__file__).parent / "data" / "trial_eligibility" / "patients"

JOHN = "mCODE STU4 example John Anyperson (NSCLC, male; comorbidities recorded present/absent)"
JENNY = "mCODE STU4 example bundle Jenny M. (ER+/PR+/HER2- invasive ductal carcinoma, anastrozole)"
SYN_LAB = "Synthea R4 laboratory panels (LOINC code and unit as Synthea writes them)"
SYN_VITAL = "Synthea R4 vital signs (body weight 29463-7 kg, body height 8302-2 cm)"
SYN_COLON = (
    "Synthea R4 colon-cancer patients Cleo Friesen (colon cancer, oxaliplatin + leucovorin) and "
    "Darin Skiles (primary colon cancer found at colonoscopy)"
)
LIVER = "mCODE example Observation-history-of-cancer-metastatic-to-liver"
STATUS = "mCODE example Observation-cancer-disease-status-jenny-m (LOINC 97509-4)"
ECG = "US Core example Observation q-t-interval-ekg-lead (an ECG interval as an Observation)"
REVIEW = "mCODE example Observation-cancer-related-comorbidities-john-anyperson"
MOA = "drug name and NCIt code as in MOAlmanac's therapy list (shared/data/kb/moalmanac)"
ALLERGY = (
    "Synthea R4 AllergyIntolerance (bulk-ndjson-10-patients: clinical/verification status, "
    "category, RxNorm substance); 'known absent' as the IPS IG 1.1.0 absent-unknown-uv-ips codes"
)
FLU = (140, "Influenza, seasonal, injectable, preservative free")
VACCINES = "Synthea R4 Immunization (bulk-ndjson-10-patients: CVX 140 seasonal influenza)"
BP = "Synthea R4 blood-pressure panels (components 8480-6 / 8462-4 in mm[Hg]); panel code 85354-9"
SPO2 = "US Core pulse-oximetry example (LOINC 59408-5, %; FHIR ValueSet vitalsign-oxygensat)"
GX = "mCODE genomic-variant and genomic-region-studied examples (LOINC 69548-6, 53041-0)"

WORSENED = {"coding": [{"system": SNOMED, "code": "271299001",
                        "display": "Patient's condition worsened (finding)"}]}  # fmt: skip
NOT_PREGNANT = {"coding": [{"system": LOINC, "code": "LA26683-5", "display": "Not pregnant"}]}
NOT_BREASTFEEDING = {"text": "Not breastfeeding"}


def _blood(p: Patient, date: str, values: dict[str, float], female: bool) -> None:
    """A full blood count, chemistry and coagulation drawn on one day (Synthea LOINC codes where
    Synthea has them; names only otherwise)."""
    note = f"Screening bloods {date}; codes and units after {SYN_LAB}."
    rows = [
        ("Leukocytes [#/volume] in Blood by Automated count", "6690-2", "wbc", "10*3/uL", 4.0, 11.0),
        ("Neutrophils [#/volume] in Blood", "26499-4", "anc", "10*3/uL", 1.8, 7.7),
        ("Lymphocytes [#/volume] in Blood", None, "alc", "10*3/uL", 1.0, 4.8),
        ("Hemoglobin [Mass/volume] in Blood", "718-7", "hb", "g/dL",
         12.0 if female else 13.2, 15.5 if female else 16.5),
        ("Platelets [#/volume] in Blood by Automated count", "777-3", "plt", "10*3/uL", 150, 400),
        ("Creatinine [Mass/volume] in Serum or Plasma", "38483-4", "creat", "mg/dL",
         0.5 if female else 0.7, 1.1 if female else 1.3),
        ("Bilirubin.total [Mass/volume] in Serum or Plasma", "1975-2", "bili", "mg/dL", 0.1, 1.2),
        ("Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "1742-6",
         "alt", "U/L", 7, 35 if female else 56),
        ("Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "1920-8",
         "ast", "U/L", 10, 35 if female else 40),
        ("Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma", "6768-6", "alp",
         "U/L", 40, 129),
        ("Albumin [Mass/volume] in Serum or Plasma", "1751-7", "alb", "g/dL", 3.5, 5.2),
        ("INR in Platelet poor plasma by Coagulation assay", "6301-6", "inr", "{INR}", 0.8, 1.2),
        ("aPTT in Platelet poor plasma by Coagulation assay", "14979-9", "aptt", "s", 25, 37),
    ]  # fmt: skip
    for display, loinc, key, unit, low, high in rows:
        if key in values:
            p.lab(display, values[key], unit, date, note, loinc=loinc, low=low, high=high)


def _body(p: Patient, date: str, kg: float, cm: float) -> None:
    note = f"Weight and height at screening; codes after {SYN_VITAL}."
    p.lab("Body Weight", kg, "kg", date, note, loinc="29463-7", category="vital-signs")
    p.lab("Body Height", cm, "cm", date, note, loinc="8302-2", category="vital-signs")


def _ecg(p: Patient, date: str, qtc: float) -> None:
    note = f"12-lead ECG, QTc by Fridericia; Observation shape after {ECG}; LOINC 8636-3."
    p.lab("Q-T interval corrected", qtc, "ms", date, note, loinc="8636-3", category="procedure")


def _screening(
    p: Patient,
    date: str,
    spo2: float,
    allergies: str | None = None,
    flu: str | None = None,
    bp: tuple[float, float] = (124, 78),
) -> None:
    """Oxygen saturation at rest on room air, blood pressure, the allergy list and the
    immunization history, as taken at the screening visit; ``allergies``: an IPS "known absent" code, or None when an
    allergy is recorded; ``flu``: the date of the last seasonal influenza vaccine."""
    p.blood_pressure(bp[0], bp[1], date, f"Seated, at the screening visit, authored; after {BP}.")
    p.condition("Active infection", present=False, recorded=date,
                note="Screening examination: afebrile, no sign or treatment of an active "
                "infection, authored.")  # fmt: skip
    p.condition("Dysphagia", present=False, recorded=date,
                note="Swallows tablets and capsules (asked at screening), authored; a refuted "
                "Condition as for the brain MRI.")  # fmt: skip
    if flu:
        p.immunization(str(FLU[0]), FLU[1], date=flu,
                       note=f"Vaccination history, authored; after {VACCINES}.")  # fmt: skip
    # room air as the US Core pulse-oximetry profile records it: inhaled O2 flow 0 L/min
    room_air = {
        "code": {
            "coding": [{"system": LOINC, "code": "3151-8", "display": "Inhaled oxygen flow rate"}]
        },
        "valueQuantity": {"value": 0, "unit": "L/min", "system": UCUM, "code": "L/min"},
    }
    p.lab("Oxygen saturation in Arterial blood by Pulse oximetry", spo2, "%", date,
          f"Resting, on room air, authored; after {SPO2}.", loinc="59408-5",
          category="vital-signs", components=[room_air])  # fmt: skip
    if allergies:
        p.allergy(recorded=date, none_known=allergies,
                  note=f"Allergy review at screening, authored; after {ALLERGY}.")  # fmt: skip


def _no_effusions(p: Patient, date: str) -> None:
    """What a restaging CT of chest and abdomen reports besides the lesions: no pleural or
    pericardial effusion, no ascites (refuted Conditions, as for the brain MRI)."""
    for finding in ("Pleural effusion", "Pericardial effusion", "Ascites"):
        p.condition(finding, present=False, recorded=date,
                    note="Restaging CT of chest, abdomen and pelvis, authored.")  # fmt: skip


def _serology(p: Patient, date: str, note: str) -> None:
    for name in (
        "HIV 1+2 antibody [Presence] in Serum",
        "Hepatitis B virus surface antigen [Presence] in Serum",
        "Hepatitis B virus core antibody [Presence] in Serum",
        "Hepatitis C virus antibody [Presence] in Serum",
    ):
        p.result(name, "Negative", date, note)


def lung() -> Patient:
    """69-year-old man, KRAS G12C lung adenocarcinoma stage IVA (pleura), progressed after
    first-line carboplatin/pemetrexed/pembrolizumab; prostate cancer treated in 2014."""
    p = Patient("LUNG-1")
    p.person("Leonard One", "male", "1956-03-14", f"After {JOHN}.")
    luad = p.cancer("Lung adenocarcinoma", oncotree="LUAD", stage="IVA", onset="2025-06-02",
             body_site="Right upper lobe of lung",
             note=f"Diagnosis and stage authored; Condition after {JOHN}.")  # fmt: skip
    p.cancer("Secondary malignant neoplasm of pleura", onset="2025-06-02",
             note="Pleural metastases at diagnosis (CT/PET), authored.")  # fmt: skip
    p.cancer("Prostate adenocarcinoma, low-grade (Gleason 6)", oncotree="PRAD", stage="I",
             onset="2014-02-10", status="remission",
             note="Earlier cancer treated by prostatectomy, authored.")  # fmt: skip
    p.m_category("cM1a", "2025-06-20", "Clinical M category, authored; SNOMED 399387003 as in "
                 "mCODE's TNM examples.")  # fmt: skip
    p.variant("KRAS", "p.Gly12Cys", 0.31, "2025-06-20", f"Tissue NGS result; after {GX}.")
    p.variant("TP53", "p.Arg273His", 0.28, "2025-06-20", f"Tissue NGS result; after {GX}.")
    p.genes_studied("Oncomine Precision Assay (tissue NGS)",
                    ["KRAS", "NRAS", "HRAS", "BRAF", "RAF1", "EGFR", "ALK", "ROS1", "MET", "RET",
                     "ERBB2", "TP53", "STK11", "KEAP1", "NTRK1", "NTRK2", "NTRK3", "PIK3CA"],
                    "2025-06-20", f"Genes on the panel; after {GX}.")  # fmt: skip
    p.marker("85147-7", "PD-L1", "2025-06-20", "PD-L1 22C3 tumour proportion score, authored.",
             value=60, unit="%")  # fmt: skip
    for drug, ncit, end in (("Carboplatin", "C1282", "2025-09-10"),
                            ("Pemetrexed", "C61614", "2025-11-20"),
                            ("Pembrolizumab", "C106432", "2025-11-20")):  # fmt: skip
        p.medication(drug, ncit=ncit, start="2025-07-01", end=end, status="stopped",
                     note=f"First-line chemo-immunotherapy, dates authored; {MOA}.", treats=luad,
                     reason="Disease progression" if end == "2025-11-20" else None)  # fmt: skip
    p.status("97509-4", "Cancer disease progression", WORSENED, "2025-12-20",
             f"Progression on restaging CT, authored; after {STATUS}.")  # fmt: skip
    p.procedure("Radical prostatectomy", start="2014-04-02", note="Authored.")
    hypertension = p.condition("Essential hypertension", onset="2011-05-01",
                               note=f"Comorbidity, authored; after {REVIEW}.")  # fmt: skip
    diabetes = p.condition("Type 2 diabetes mellitus", onset="2016-09-01",
                           note=f"Comorbidity, authored; after {REVIEW}.")  # fmt: skip
    p.medication("Amlodipine", start="2012-01-10", status="active", treats=hypertension,
                 note="Antihypertensive, authored (not an anticancer drug).")  # fmt: skip
    p.medication("Metformin", start="2016-09-15", status="active", treats=diabetes,
                 note="For type 2 diabetes, authored.")  # fmt: skip
    p.comorbidities(
        present=[hypertension, diabetes],
        absent=["Interstitial lung disease", "Autoimmune disease", "Cardiac disease",
                "Myocardial infarction",
                "Unstable angina", "Congestive heart failure", "Cardiac arrhythmia", "Stroke",
                "Transient ischemic attack", "Pulmonary embolism", "Deep vein thrombosis",
                "Organ transplant recipient", "Chronic liver disease", "Immunodeficiency",
                "Bleeding disorder"],
        date="2026-01-08", note=f"Pre-screening comorbidity review, authored; after {REVIEW}.",
    )  # fmt: skip
    p.condition("Brain metastases", present=False, recorded="2025-12-20",
                note="Contrast MRI of the brain without metastases, authored.")  # fmt: skip
    p.condition("Measurable disease (RECIST 1.1)", recorded="2025-12-20",
                note="Target lesions on restaging CT per RECIST 1.1, authored.")  # fmt: skip
    _blood(p, "2026-01-08", {"wbc": 6.1, "anc": 3.2, "alc": 1.4, "hb": 12.1, "plt": 210,
                             "creat": 0.9, "bili": 0.6, "alt": 28, "ast": 31, "alp": 88,
                             "alb": 3.8, "inr": 1.0, "aptt": 29}, female=False)  # fmt: skip
    _serology(p, "2025-12-18", "Pre-treatment serology, authored.")
    p.result("Mycobacterium tuberculosis stimulated gamma interferon [Presence] in Blood",
             "Negative", "2025-06-24", "Interferon-gamma release assay before first-line "
             "immunotherapy, authored (name only, no code).")  # fmt: skip
    _screening(p, "2026-01-08", 95, "no-known-medication-allergies", flu="2025-10-02",
               bp=(134, 82))  # fmt: skip
    _body(p, "2026-01-08", 78, 176)
    _ecg(p, "2026-01-08", 418)
    p.lab("Left ventricular Ejection fraction", 58, "%", "2025-12-22",
          "Echocardiogram, authored; LOINC 10230-1.", loinc="10230-1",
          category="imaging")  # fmt: skip
    p.ecog(1, "2026-01-08", "ECOG at the screening visit, authored; LOINC 89247-1 as in mCODE.")
    return p


def breast() -> Patient:
    """53-year-old postmenopausal woman, stage IIA ER+/PR+/HER2- invasive ductal carcinoma after
    lumpectomy and whole-breast radiotherapy, on adjuvant anastrozole; no chemotherapy."""
    p = Patient("BREAST-1")
    p.person("Barbara One", "female", "1972-07-22", f"After {JENNY}.")
    idc = p.cancer("Invasive ductal carcinoma of left breast", oncotree="IDC", stage="IIA",
             onset="2025-09-12", body_site="Left breast",
             note=f"Diagnosis and stage authored; after {JENNY}.")  # fmt: skip
    for loinc, name, value in (("85337-4", "ER", "Positive"), ("85339-0", "PR", "Positive"),
                               ("48676-1", "HER2", "Negative")):  # fmt: skip
        p.marker(loinc, name, "2025-09-15", f"Receptor status authored; code after {JENNY}.",
                 text=value)  # fmt: skip
    p.m_category("cM0", "2025-09-20", "Clinical M category, authored.")
    p.genes_studied("Germline hereditary breast cancer panel",
                    ["BRCA1", "BRCA2", "PALB2", "TP53", "PTEN", "CDH1", "STK11", "CHEK2", "ATM"],
                    "2025-10-20", f"Germline panel without variants; after {GX}.")  # fmt: skip
    p.procedure("Lumpectomy of left breast with sentinel node biopsy", start="2025-10-14",
                note=f"Surgery authored; after {JENNY} (surgical procedure).")  # fmt: skip
    p.procedure(
        "Whole-breast radiotherapy",
        start="2025-11-10",
        end="2025-12-05",
        radiotherapy=True,
        note=f"Adjuvant radiotherapy authored; after {JENNY} (radiotherapy summary).",
    )
    p.medication("Anastrozole", ncit="C1607", start="2025-12-15", status="active", treats=idc,
                 note=f"Adjuvant endocrine therapy; after {JENNY}; {MOA}.")  # fmt: skip
    p.status(
        "82810-3",
        "Pregnancy status",
        NOT_PREGNANT,
        "2026-01-05",
        "Postmenopausal (last menstrual period 2023), authored; LOINC as in IPS.",
    )
    p.condition("Postmenopausal state", onset="2024-01-01", recorded="2026-01-05",
                note="Menopausal status on the problem list, authored (last period 2023).")  # fmt: skip
    p.status("63895-7", "Breastfeeding status", NOT_BREASTFEEDING, "2026-01-05",
             "Authored; LOINC 63895-7.")  # fmt: skip
    asthma = p.condition("Asthma", onset="1990-01-01", note="Comorbidity, authored.")
    p.medication("Salbutamol inhaler", start="2005-03-01", status="active", treats=asthma,
                 note="For asthma, authored (not an anticancer drug).")  # fmt: skip
    p.comorbidities(
        present=[asthma],
        absent=["Chronic liver disease", "Autoimmune disease", "Cardiac disease",
                "Interstitial lung disease", "Other malignancy", "Myocardial infarction",
                "Unstable angina", "Congestive heart failure", "Stroke",
                "Transient ischemic attack", "Pulmonary embolism", "Deep vein thrombosis",
                "Organ transplant recipient", "Immunodeficiency", "Bleeding disorder",
                "Hypertension", "Peripheral vascular disease"],
        date="2026-01-05", note=f"Pre-screening comorbidity review, authored; after {REVIEW}.",
    )  # fmt: skip
    p.condition("Measurable disease (RECIST 1.1)", present=False, recorded="2025-12-01",
                note="No measurable disease after complete resection, authored.")  # fmt: skip
    _blood(p, "2026-01-05", {"wbc": 5.4, "anc": 2.9, "alc": 1.7, "hb": 13.4, "plt": 265,
                             "creat": 0.8, "bili": 0.5, "alt": 22, "ast": 25, "alp": 71,
                             "alb": 4.3}, female=True)  # fmt: skip
    _blood(p, "2025-10-07", {"inr": 0.9, "aptt": 30}, female=True)  # pre-operative coagulation
    _serology(p, "2025-10-07", "Serology at the pre-operative work-up, authored.")
    _screening(p, "2026-01-05", 98, flu="2025-10-20", bp=(122, 76))
    p.allergy(recorded="2026-01-05", category="medication",
              substance={"coding": [{"system": RXNORM, "code": "1191", "display": "Aspirin"}],
                         "text": "Aspirin"},
              note=f"Aspirin-exacerbated bronchospasm, authored; after {ALLERGY}.")  # fmt: skip
    _body(p, "2026-01-05", 68, 165)
    _ecg(p, "2025-10-07", 425)
    p.ecog(0, "2026-01-05", "ECOG at the screening visit, authored.")
    return p


def colorectal() -> Patient:
    """58-year-old woman, KRAS G12D sigmoid adenocarcinoma with liver and lung metastases,
    MSS; progressed after FOLFOX + bevacizumab and FOLFIRI + bevacizumab; pulmonary embolism
    in 2024 on apixaban; hypothyroidism after thyroidectomy for a benign goitre."""
    p = Patient("CRC-1")
    p.person("Carla One", "female", "1967-05-03", f"After {SYN_COLON}.")
    coad = p.cancer("Adenocarcinoma of sigmoid colon", oncotree="COAD", stage="IVB",
             onset="2024-03-04", body_site="Sigmoid colon",
             note=f"Diagnosis at colonoscopy and biopsy; after {SYN_COLON}.")  # fmt: skip
    p.cancer("Secondary malignant neoplasm of liver", onset="2024-03-04",
             note=f"Liver metastases at diagnosis; after {LIVER}.")  # fmt: skip
    p.cancer("Secondary malignant neoplasm of lung", onset="2024-11-20",
             note="Lung metastases at first progression, authored.")  # fmt: skip
    p.m_category("cM1b", "2024-03-15", "Clinical M category, authored.")
    p.variant("KRAS", "p.Gly12Asp", 0.36, "2024-03-20", f"Tissue NGS result; after {GX}.")
    p.variant("APC", "p.Arg1450Ter", 0.41, "2024-03-20", f"Tissue NGS result; after {GX}.")
    p.variant("TP53", "p.Arg175His", 0.38, "2024-03-20", f"Tissue NGS result; after {GX}.")
    p.genes_studied("Colorectal tissue NGS panel",
                    ["KRAS", "NRAS", "HRAS", "BRAF", "PIK3CA", "APC", "TP53", "SMAD4", "ERBB2",
                     "POLE"], "2024-03-20", f"Genes on the panel; after {GX}.")  # fmt: skip
    p.marker("81695-9", "Microsatellite instability", "2024-03-20",
             "MSI by PCR, authored; LOINC 81695-9 as in the GR MSI example.",
             text="Microsatellite stable")  # fmt: skip
    p.marker("2039-6", "CEA", "2026-01-09", "Tumour marker, authored.", value=48, unit="ng/mL")
    first = ("2024-04-02", "2024-11-05")
    second = ("2024-12-03", "2025-11-18")
    for drug, ncit, (start, end) in (
        ("Oxaliplatin", "C1181", first), ("Fluorouracil", "C505", first),
        ("Leucovorin", None, first), ("Bevacizumab", "C2039", first),
        ("Irinotecan", "C62040", second), ("Fluorouracil", "C505", second),
        ("Leucovorin", None, second), ("Bevacizumab", "C2039", second),
    ):  # fmt: skip
        p.medication(
            drug,
            ncit=ncit,
            start=start,
            end=end,
            status="stopped",
            reason="Disease progression",
            treats=coad,
            note=f"FOLFOX/FOLFIRI + bevacizumab, dates authored; after {SYN_COLON}; "
            f"{MOA if ncit else 'leucovorin is not in that list: text only'}.",
        )
    for date in ("2024-11-20", "2025-12-02"):
        p.status("97509-4", "Cancer disease progression", WORSENED, date,
                 f"Progression on restaging CT, authored; after {STATUS}.")  # fmt: skip
    p.procedure("Total thyroidectomy", start="2009-06-11", note="For benign goitre, authored.")
    embolism = p.condition("Pulmonary embolism", onset="2024-09-14", status="resolved",
                           abated="2025-03-14", note="On bevacizumab, authored.")  # fmt: skip
    hypothyroid = p.condition("Postsurgical hypothyroidism", onset="2009-06-11",
                              note="Authored.")  # fmt: skip
    p.medication("Levothyroxine", start="2009-06-20", status="active", treats=hypothyroid,
                 note="Thyroid replacement, authored (not an anticancer drug).")  # fmt: skip
    p.medication("Apixaban", start="2024-09-16", status="active", treats=embolism,
                 note="Anticoagulation after pulmonary embolism, authored.")  # fmt: skip
    p.comorbidities(
        present=[embolism, hypothyroid],
        absent=["Interstitial lung disease", "Autoimmune disease", "Cardiac disease",
                "Myocardial infarction",
                "Unstable angina", "Congestive heart failure", "Stroke",
                "Transient ischemic attack", "Organ transplant recipient",
                "Chronic liver disease", "Other malignancy"],
        date="2026-01-09", note=f"Pre-screening comorbidity review, authored; after {REVIEW}.",
    )  # fmt: skip
    p.condition("Measurable disease (RECIST 1.1)", recorded="2025-12-02",
                note="Liver and lung target lesions per RECIST 1.1, authored.")  # fmt: skip
    _no_effusions(p, "2025-12-02")
    _blood(p, "2026-01-09", {"wbc": 4.2, "anc": 2.1, "alc": 1.1, "hb": 10.8, "plt": 145,
                             "creat": 0.7, "bili": 0.9, "alt": 45, "ast": 52, "alp": 210,
                             "alb": 3.4, "inr": 1.1, "aptt": 31}, female=True)  # fmt: skip
    _serology(p, "2024-03-25", "Serology before first-line chemotherapy, authored.")
    _screening(p, "2026-01-09", 96, "no-known-allergies", flu="2025-10-14", bp=(118, 72))
    p.status("82810-3", "Pregnancy status", NOT_PREGNANT, "2026-01-09",
             "Postmenopausal, authored; LOINC as in IPS.")  # fmt: skip
    p.condition("Postmenopausal state", recorded="2026-01-09",
                note="Menopausal status on the problem list, authored.")  # fmt: skip
    p.status("63895-7", "Breastfeeding status", NOT_BREASTFEEDING, "2026-01-09", "Authored.")
    _body(p, "2026-01-09", 64, 162)
    _ecg(p, "2026-01-09", 441)
    p.ecog(1, "2026-01-09", "ECOG at the screening visit, authored.")
    return p


def pancreas() -> Patient:
    """64-year-old man, metastatic pancreatic ductal adenocarcinoma (liver), KRAS G12V,
    progressed after first-line gemcitabine + nab-paclitaxel; biliary stent; diabetes."""
    p = Patient("PANC-1")
    p.person("Peter One", "male", "1961-08-30", f"After {JOHN} (record shape) and {LIVER}.")
    paad = p.cancer("Pancreatic ductal adenocarcinoma of the head of pancreas", oncotree="PAAD",
             stage="IV", onset="2025-03-18", body_site="Head of pancreas",
             note="Diagnosis by EUS-guided biopsy, authored.")  # fmt: skip
    p.cancer("Secondary malignant neoplasm of liver", onset="2025-03-18",
             note=f"Liver metastases at diagnosis; after {LIVER}.")  # fmt: skip
    p.m_category("cM1", "2025-03-25", "Clinical M category, authored.")
    p.variant("KRAS", "p.Gly12Val", 0.22, "2025-04-02", f"Tissue NGS result; after {GX}.")
    p.variant("TP53", "p.Arg248Trp", 0.2, "2025-04-02", f"Tissue NGS result; after {GX}.")
    p.genes_studied("Solid tumour tissue NGS panel",
                    ["KRAS", "NRAS", "HRAS", "BRAF", "TP53", "CDKN2A", "SMAD4", "BRCA1",
                     "BRCA2", "PALB2", "ATM", "NTRK1", "NTRK2", "NTRK3", "ERBB2"],
                    "2025-04-02", f"Genes on the panel; after {GX}.")  # fmt: skip
    p.marker("81695-9", "Microsatellite instability", "2025-04-02", "MSI by PCR, authored.",
             text="Microsatellite stable")  # fmt: skip
    p.marker("24108-3", "CA 19-9", "2026-01-07", "Tumour marker, authored.", value=1250,
             unit="U/mL")  # fmt: skip
    p.procedure("Endoscopic biliary stent placement", start="2025-03-20", note="Authored.")
    for drug, ncit in (("Gemcitabine", "C66876"), ("Nab-paclitaxel", "C2688")):
        p.medication(
            drug,
            ncit=ncit,
            start="2025-04-14",
            end="2025-12-01",
            status="stopped",
            reason="Disease progression",
            treats=paad,
            note=f"First-line gemcitabine + nab-paclitaxel, dates authored; {MOA}.",
        )
    p.status("97509-4", "Cancer disease progression", WORSENED, "2025-12-12",
             f"Progression on restaging CT, authored; after {STATUS}.")  # fmt: skip
    insufficiency = p.condition("Exocrine pancreatic insufficiency", onset="2025-04-01",
                                note="Authored.")  # fmt: skip
    p.medication("Pancrelipase", start="2025-04-01", status="active", treats=insufficiency,
                 note="Enzyme replacement, authored (not an anticancer drug).")  # fmt: skip
    diabetes = p.condition(
        "Type 2 diabetes mellitus",
        onset="2024-10-28",
        note="New-onset diabetes before the diagnosis, authored.",
    )
    p.medication("Insulin glargine", start="2024-11-05", status="active", treats=diabetes,
                 note="For diabetes, authored.")  # fmt: skip
    p.comorbidities(
        present=[diabetes],
        absent=["Interstitial lung disease", "Autoimmune disease", "Cardiac disease",
                "Myocardial infarction",
                "Unstable angina", "Congestive heart failure", "Stroke",
                "Transient ischemic attack", "Pulmonary embolism", "Organ transplant recipient",
                "Chronic liver disease", "Other malignancy", "Hypertension",
                "Peripheral vascular disease"],
        date="2026-01-07", note=f"Pre-screening comorbidity review, authored; after {REVIEW}.",
    )  # fmt: skip
    p.condition("Measurable disease (RECIST 1.1)", recorded="2025-12-12",
                note="Liver target lesions per RECIST 1.1, authored.")  # fmt: skip
    _no_effusions(p, "2025-12-12")
    _blood(p, "2026-01-07", {"wbc": 5.0, "anc": 2.5, "alc": 1.2, "hb": 10.2, "plt": 160,
                             "creat": 1.0, "bili": 1.1, "alt": 40, "ast": 38, "alp": 180,
                             "alb": 3.3, "inr": 1.1, "aptt": 30}, female=False)  # fmt: skip
    _serology(p, "2025-04-08", "Serology before first-line chemotherapy, authored.")
    _screening(p, "2026-01-07", 97, "no-known-medication-allergies", flu="2025-10-09",
               bp=(128, 78))  # fmt: skip
    _body(p, "2026-01-07", 70, 178)
    _ecg(p, "2026-01-07", 432)
    p.ecog(1, "2026-01-07", "ECOG at the screening visit, authored.")
    return p


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for build in (lung, breast, colorectal, pancreas):
        patient = build()
        path = OUT / f"{patient.pid}.json"
        path.write_text(json.dumps(patient.bundle(), indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
