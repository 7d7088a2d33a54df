# SPDX-License-Identifier: Apache-2.0
"""Comorbidity concepts read in eligibility text and looked for in the record's findings.

Each concept has the words that name it in a protocol and in a recorded condition's display
(FHIR ``Condition.code`` display or text, an mCODE comorbidity recorded present or absent).
Matching is by words because the record's codes come from several systems (SNOMED CT, ICD-10)
and no terminology server is available offline; a condition whose display names none of these
words is not taken for the concept.
"""

from __future__ import annotations

import re

# concept -> (protocol words, record words); both case-insensitive
_CONCEPTS: dict[str, tuple[str, str]] = {
    "interstitial_lung_disease": (
        r"interstitial lung disease|\bILD\b|pneumonitis|pulmonary fibrosis|interstitial pneumonia",
        r"interstitial lung|pneumonitis|pulmonary fibrosis|interstitial pneumonia",
    ),
    "autoimmune_disease": (
        r"auto-?immune (?:disease|disorder|condition)s?",
        r"auto-?immune|lupus|rheumatoid arthritis|crohn|ulcerative colitis|psoria|multiple "
        r"sclerosis|sj[oö]gren|vasculitis|myasthenia|hashimoto|graves",
    ),
    "myocardial_infarction": (
        r"(?:acute )?myocardial infarction",
        r"myocardial infarction|\bSTEMI\b|\bNSTEMI\b",
    ),
    "unstable_angina": (r"unstable angina(?: pectoris)?", r"unstable angina"),
    "heart_failure": (
        r"(?:congestive )?heart failure|\bCHF\b",
        r"heart failure|cardiac failure|\bCHF\b",
    ),
    "stroke": (
        r"\bstroke\b|cerebrovascular accident",
        r"\bstroke\b|cerebrovascular accident|cerebral infarction",
    ),
    # a TIA is not a stroke: "stroke: absent" says nothing about it
    "transient_ischaemic_attack": (
        r"transient ischa?emic attack|\bTIA\b",
        r"transient ischa?emic attack|\bTIA\b",
    ),
    "pulmonary_embolism": (r"pulmonary embol\w*", r"pulmonary embol"),
    "deep_vein_thrombosis": (r"deep vein thrombosis|\bDVT\b", r"deep vein thrombosis|\bDVT\b"),
    "organ_transplant": (
        r"(?:organ|allogeneic)[- ]transplant\w*|transplantation",
        r"transplant",
    ),
    "cardiac_disease": (
        r"cardiac(?:-related)? (?:disease|condition|function|abnormalit)\w*|(?<!coronary )"
        r"(?<!ischemic )(?<!ischaemic )(?<!congenital )(?<!rheumatic )\b(?:other (?:clinically significant )?)?heart diseases?",
        r"heart|cardiac|cardio|myocard|angina|arrhythm|atrial fibrillation",
    ),
    # wider than the heart: hypertension, thromboembolism, stroke and arterial disease count
    "cardiovascular_disease": (
        r"cardiovascular (?:disease|disorder|condition)s?",
        r"heart|cardiac|cardio|myocard|angina|arrhythm|atrial fibrillation|hypertension|"
        r"embol|thromb|stroke|cerebrovascular|vascular|aneurysm|claudication",
    ),
    "liver_disease": (
        r"(?:chronic )?liver disease|liver cirrhosis|\bcirrhosis\b",
        r"liver disease|cirrhosis|hepatic failure",
    ),
    "immunodeficiency": (
        r"(?<!human )(?:primary )?immunodeficiency(?! virus)",
        r"immunodeficiency(?! virus)|immune deficiency",
    ),
    "coronary_artery_disease": (
        r"coronary (?:artery |heart )?(?:disease|revasculari[sz]ation)|ischa?emic heart disease|"
        r"coronary revasculari[sz]ation|(?:cardiac )?ischa?emic symptoms|(?:cardiac|coronary) "
        r"angioplasty(?: or stent(?:ing| placement)?)?|(?:coronary|cardiac) stent(?:ing| placement)?|"
        r"percutaneous coronary intervention",
        r"coronary|isch(?:a)?emic heart|angina|myocardial infarction|revasculari[sz]ation|\bCABG\b|"
        r"\bPCI\b",
    ),
    "spinal_cord_compression": (r"spinal cord compression", r"spinal cord compression"),
    "retinal_vein_occlusion": (r"retinal vein occlusion|\bRVO\b", r"retinal vein occlusion"),
    # each read on its own: "pleural effusion, pericardial effusion, or ascites" is any of three
    "pleural_effusion": (r"pleural effusions?", r"pleural effusion"),
    "pericardial_effusion": (r"pericardial effusions?", r"pericardial effusion"),
    "ascites": (r"\bascites\b", r"\bascites\b"),
    "bowel_obstruction": (r"(?:small )?bowel obstruction", r"bowel obstruction"),
    # an infection now ("active, ongoing or untreated infection", "bacterial, fungal or viral
    # infection requiring systemic therapy"); HIV, hepatitis and tuberculosis have their own reader
    "active_infection": (
        r"\b(?:active|ongoing|uncontrolled|untreated|current|concurrent)\b(?:(?:\s*(?:,|or|and|"
        r"and/or))*\s*(?:active|ongoing|uncontrolled|untreated|clinically (?:significant|relevant)|serious|"
        r"severe|systemic|bacterial|fungal|viral|specific viral|opportunistic|other))*\s+"
        r"infections?\b|\b(?:bacterial|fungal|viral)(?:(?:\s*(?:,|or|and))+\s*(?:bacterial|fungal|"
        r"(?:specific\s+)?viral|other))*\s+infections?\b",
        # a chronic HIV, hepatitis or tuberculosis infection is read by its own reader
        r"^(?!.*(?:HIV|hepatitis|HBV|HCV|tubercul|human immunodeficiency)).*(?:\binfection\b|"
        r"sepsis|pneumonia|abscess)",
    ),
    "dysphagia": (
        r"(?:unable|inability|not able|difficulty|difficulties)\s+(?:to\s+|in\s+)?swallow\w*"
        r"(?:\s+(?:oral\s+)?(?:medications?|tablets?|capsules?|pills?))?|\bdysphagia\b",
        r"dysphagia|unable to swallow|swallowing (?:difficult|disorder|impair)",
    ),
    "bleeding_disorder": (
        r"coagulation disorders?|bleeding (?:disorder|diathesis|tendency)",
        r"coagulation|coagulopathy|bleeding disorder|haemophilia|hemophilia",
    ),
}
# Umbrella concepts are only concluded absent from a finding that names the umbrella itself:
# "myocardial infarction: absent" says nothing about other cardiac disease.
_ABSENCE: dict[str, str] = {
    "autoimmune_disease": r"auto-?immune",
    "cardiac_disease": r"\b(?:cardiac|heart|cardiovascular) disease",
    "cardiovascular_disease": r"\bcardiovascular disease",
    "active_infection": r"\bactive infection",
    "coronary_artery_disease": r"coronary (?:artery |heart )?disease|ischa?emic heart disease|"
    r"\b(?:cardiac|heart|cardiovascular) disease",
    "liver_disease": r"\b(?:chronic )?liver disease",
    "bleeding_disorder": r"bleeding disorder|coagulopathy|coagulation disorder",
}
PROTOCOL: dict[str, re.Pattern[str]] = {
    concept: re.compile(words, re.IGNORECASE) for concept, (words, _) in _CONCEPTS.items()
}
RECORD: dict[str, re.Pattern[str]] = {
    concept: re.compile(words, re.IGNORECASE) for concept, (_, words) in _CONCEPTS.items()
}
ABSENCE: dict[str, re.Pattern[str]] = {
    concept: re.compile(_ABSENCE.get(concept, words), re.IGNORECASE)
    for concept, (_, words) in _CONCEPTS.items()
}
LABELS = {concept: concept.replace("_", " ") for concept in _CONCEPTS}

INFECTION_PROTOCOL: dict[str, re.Pattern[str]] = {
    "HIV": re.compile(
        r"human immunodeficiency virus(?:\s*\(HIV\))?|\bHIV\b(?:\s*(?:antibody|infection))?",
        re.IGNORECASE,
    ),
    "HBV": re.compile(
        r"hepatitis B(?: virus)?(?:\s*\(?HBV\)?)?(?: surface)?(?: antigen)?|\bHBV\b|\bHBsAg\b",
        re.IGNORECASE,
    ),
    "HCV": re.compile(
        r"hepatitis C(?: virus)?(?:\s*\(?HCV\)?)?(?: antibody)?|\bHCV\b", re.IGNORECASE
    ),
    "tuberculosis": re.compile(r"(?:pulmonary )?tubercul\w+|\bTB\b", re.IGNORECASE),
}
# "hepatitis B or C" names both agents with one word
HEPATITIS_B_OR_C = re.compile(r"hepatitis B,? (?:and/or|or|and) (?:hepatitis )?C\b", re.I)
INFECTION_RECORD = {
    "HIV": re.compile(r"\bHIV\b|human immunodeficiency virus", re.IGNORECASE),
    "HBV": re.compile(r"hepatitis B|\bHBV\b|HBsAg|HBs antigen", re.IGNORECASE),
    "HCV": re.compile(r"hepatitis C|\bHCV\b", re.IGNORECASE),
    "tuberculosis": re.compile(r"tubercul", re.IGNORECASE),
}

# Kinds of "other malignancy" that protocols commonly except, and the record words for each.
MALIGNANCY_EXCEPTIONS: dict[str, tuple[str, str]] = {
    "non-melanoma skin cancer": (
        r"non-?melanoma(?:tous)? skin(?: (?:cancers?|carcinomas?))?|basal cell (?:carcinoma|skin)|"
        r"squamous cell (?:carcinoma )?of (?:the )?skin|skin (?:basal|squamous)",
        r"basal cell carcinoma|squamous cell carcinoma of (?:the )?skin|skin.*(?:basal|squamous)",
    ),
    "carcinoma in situ": (
        r"(?:carcinoma )?in situ(?:\s+\w+\s+(?:cancer|carcinoma))?|\bDCIS\b|intraepithelial neoplasia",
        r"in situ|\bDCIS\b|intraepithelial",
    ),
    "superficial bladder cancer": (
        r"superficial (?:non-invasive )?bladder|non-muscle invasive bladder",
        r"superficial bladder|non-muscle invasive bladder",
    ),
    "low-grade prostate cancer": (
        r"low[- ]grade prostate|localized prostate cancer",
        r"low[- ]grade prostate",
    ),
    # a whole organ's cancers excepted ("…, bladder cancer, or breast cancer"): never the
    # narrower kinds above ("superficial bladder", "low-grade prostate", "… in situ")
    "bladder cancer": (
        r"(?<!superficial )(?<!non-invasive )(?<!muscle invasive )(?<!muscle-invasive )"
        r"\bbladder (?:cancer|carcinoma)s?(?! in situ)",
        r"bladder|urothelial",
    ),
    "breast cancer": (r"\bbreast (?:cancer|carcinoma)s?(?! in situ)", r"breast"),
    "prostate cancer": (
        r"(?<!low-grade )(?<!low grade )(?<!localized )\bprostat(?:e|ic) (?:cancer|carcinoma)s?"
        r"(?! in situ)",
        r"prostat",
    ),
    "thyroid cancer": (r"\bthyroid (?:cancer|carcinoma)s?(?! in situ)", r"thyroid"),
}
# a condition on an excepted kind ("non-melanoma skin cancer with a disease-free survival of
# more than 5 years"): a cancer of that kind is then left to a clinician
KIND_CONDITION = re.compile(
    r"\bwith (?:a |the )?disease[- ]free (?:survival|interval|period) of (?:more than|at least|"
    r"over|≥|>)\s*\d+\s*(?:years?|months?)|\b(?:disease[- ]free|in remission) for (?:more than|"
    r"at least|over|≥|>)\s*\d+\s*(?:years?|months?)",
    re.IGNORECASE,
)

# An umbrella a record rarely names, ruled out when each of its parts is. Cardiovascular
# disease: the group of disorders of the heart and blood vessels as the WHO lists them
# (fact sheet "Cardiovascular diseases (CVDs)": coronary heart disease, cerebrovascular disease,
# peripheral arterial disease, rheumatic and congenital heart disease, deep vein thrombosis and
# pulmonary embolism; WHO's earlier "About cardiovascular diseases" page also lists
# hypertension, heart failure and cardiomyopathies). Heart disease is ruled out by "cardiac /
# heart disease: absent"; stroke and TIA stand for cerebrovascular disease.
COMPOSITES: dict[str, dict[str, re.Pattern[str]]] = {
    "cardiovascular_disease": {
        name: re.compile(words, re.IGNORECASE)
        for name, words in {
            "heart disease": r"\b(?:cardiac|heart) disease",
            "stroke": r"\bstroke\b|cerebrovascular (?:accident|disease)",
            "transient ischaemic attack": r"transient ischa?emic attack|\bTIA\b",
            "peripheral arterial disease": r"peripheral (?:arterial|artery|vascular) (?:disease|"
            r"disorder)",
            "deep vein thrombosis": r"deep vein thrombosis|\bDVT\b",
            "pulmonary embolism": r"pulmonary embol",
            "hypertension": r"^(?!.*pulmonary)(?:.*\b)?hypertension",
        }.items()
    },
}
