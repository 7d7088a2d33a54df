# SPDX-License-Identifier: Apache-2.0
"""The typed constraints an eligibility item is read into (one discriminated union)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Op = Literal[">=", ">", "<=", "<"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AgeConstraint(_Frozen):
    type: Literal["age"] = "age"
    min_years: float | None = None
    min_inclusive: bool = True
    max_years: float | None = None
    max_inclusive: bool = True


class SexConstraint(_Frozen):
    type: Literal["sex"] = "sex"
    sex: Literal["female", "male"]


class CancerTypeConstraint(_Frozen):
    """Any of the OncoTree codes (a patient's narrower type is covered), or any solid tumour;
    ``excluded_codes`` are carved out ("solid tumors (excluding NSCLC and CRC)")."""

    type: Literal["cancer_type"] = "cancer_type"
    oncotree_codes: tuple[str, ...] = ()
    any_solid_tumour: bool = False
    label: str
    excluded_codes: tuple[str, ...] = ()


class StageConstraint(_Frozen):
    """Stage group any-of; ``oncotree_codes``: the tumour type the item names (its stage counts)."""

    type: Literal["stage"] = "stage"
    stages: tuple[Literal["0", "I", "II", "III", "IV"], ...]
    oncotree_codes: tuple[str, ...] = ()


Extent = Literal[
    "metastatic", "locally_advanced", "advanced", "unresectable", "resectable",
    "borderline_resectable", "locally_advanced_unresectable", "measurable",
]  # fmt: skip


class DiseaseExtentConstraint(_Frozen):
    """Any of the extents ("locally advanced or metastatic"), read against stage / TNM M /
    recorded metastases / a recorded resectability finding."""

    type: Literal["disease_extent"] = "disease_extent"
    extents: tuple[Extent, ...]
    oncotree_codes: tuple[str, ...] = ()


class MeasurableDiseaseConstraint(_Frozen):
    """At least one measurable lesion (RECIST 1.1)."""

    type: Literal["measurable_disease"] = "measurable_disease"


class InfectionConstraint(_Frozen):
    """HIV, hepatitis B/C or tuberculosis; ``active_only`` for "active"/"uncontrolled"."""

    type: Literal["infection"] = "infection"
    agent: Literal["HIV", "HBV", "HCV", "tuberculosis"]
    active_only: bool = False


class PriorMalignancyConstraint(_Frozen):
    """Another malignancy (than the one treated), within ``within_years`` when given; the kinds
    in ``excepted`` do not count; ``open_exceptions``: other exceptions the text lists."""

    type: Literal["prior_malignancy"] = "prior_malignancy"
    within_years: float | None = None
    excepted: tuple[str, ...] = ()
    open_exceptions: bool = False
    active_only: bool = False
    # "a history of any malignancy" / "other than the study's cancer": the patient's own cancer
    # counts too when it is not a tumour type the trial studies (``study_cancers``, the OncoTree
    # codes of its inclusion criteria; empty when they were not read)
    any_malignancy: bool = False
    study_cancers: tuple[str, ...] = ()
    # excepted kinds that carry a condition ("non-melanoma skin cancer with a disease-free
    # survival of more than 5 years"): a cancer of such a kind is left to a clinician
    conditioned: tuple[str, ...] = ()


class ConditionHistoryConstraint(_Frozen):
    """A comorbid condition (``concept`` of ``history.CONCEPTS``), within ``within_months`` when
    given; ``qualified``: the text asks for a judgement ("clinically significant",
    "uncontrolled"), so a recorded condition alone does not decide it."""

    type: Literal["condition_history"] = "condition_history"
    concept: str
    within_months: float | None = None
    qualified: bool = False


class GeneAlterationConstraint(_Frozen):
    """A gene alteration; ``protein_changes`` any-of (canonical ``p.G12C``); ``wild_type`` none."""

    type: Literal["gene_alteration"] = "gene_alteration"
    gene: str
    alteration: Literal["mutation", "amplification", "fusion", "wild_type", "any"]
    protein_changes: tuple[str, ...] = ()
    excluded_changes: tuple[str, ...] = ()
    # an exclusion of a "known … mutation": untested is not known (it does not apply)
    known_only: bool = False


class BiomarkerStatusConstraint(_Frozen):
    """A measured marker: MSI-H, dMMR/pMMR, TMB-high, or an IHC status such as ER+ / HER2-."""

    type: Literal["biomarker_status"] = "biomarker_status"
    marker: Literal["MSI", "MMR", "TMB", "ER", "PR", "HER2"]
    status: Literal["high", "stable", "deficient", "proficient", "positive", "negative"]
    threshold: float | None = None


class EcogConstraint(_Frozen):
    type: Literal["ecog"] = "ecog"
    allowed: tuple[int, ...]


class PriorTherapyConstraint(_Frozen):
    """Received a drug class (``drugs``: its members; "radiotherapy" reads radiotherapy courses),
    within ``within_days`` before screening when given, or ongoing now (``current``);
    ``negated``: the reader's own negation ("completed all prior …" = none ongoing);
    ``presupposed``: the item is about a reaction to it ("side effects of prior immunotherapy"),
    so never having received it rules the whole item out."""

    type: Literal["prior_therapy"] = "prior_therapy"
    drug_class: str
    drugs: tuple[str, ...]
    negated: bool = False
    within_days: int | None = None
    current: bool = False
    presupposed: bool = False
    # a time qualifier the reader could not place ("within 5 years prior to diagnosis"): only
    # "never received" can decide
    timing_unread: bool = False
    # "within 21 days or 5 half-lives, whichever is shorter": the window may be shorter
    half_lives: bool = False
    # what is looked for: medicines, radiotherapy courses, or surgery (``drugs`` then holds the
    # words of the operated site: "breast", "mastectomy")
    modality: Literal["medicine", "radiotherapy", "surgery"] = "medicine"
    # "experimental agents that target …": an approved member received may not count; only
    # "never received any member" decides
    investigational_only: bool = False
    # a named regimen or combination ("FOLFIRINOX", "gemcitabine + nab-paclitaxel"): every
    # component started together (``regimens``); each component is its accepted names joined
    # by "|" ("irinotecan liposome|liposomal irinotecan")
    components: tuple[str, ...] = ()
    # "4-6 months of FOLFIRINOX": the course lasted between these many days (a regimen only)
    duration_days: tuple[int, int] | None = None
    # "for the 1st line treatment": the course was the first anticancer regimen recorded
    first_line: bool = False
    # "surgery for the current malignancy": a course on or after the current cancer's diagnosis
    for_current_cancer: bool = False
    # "within 5 years prior to diagnosis of the current malignancy": a course in those days
    # before the current cancer's diagnosis
    before_diagnosis_days: int | None = None
    # "progressed on (or been intolerant to) prior X": X received and progression recorded after
    # it; without a recorded progression it stays open (intolerance is rarely recorded)
    progressed: bool = False


class PriorLinesConstraint(_Frozen):
    """Number of prior systemic regimens; ``progressed``: with progression recorded after them."""

    type: Literal["prior_lines"] = "prior_lines"
    min_lines: int | None = None
    max_lines: int | None = None
    progressed: bool = False


class LabConstraint(_Frozen):
    """A threshold in a canonical unit (counts 10^9/L, haemoglobin and albumin g/dL, CrCl
    mL/min, QTc ms, LVEF %, INR ratio, aPTT/PT seconds, × ULN)."""

    type: Literal["lab"] = "lab"
    analyte: Literal[
        "anc", "platelets", "hemoglobin", "wbc", "lymphocytes", "creatinine_clearance",
        "creatinine", "bilirubin", "alt", "ast", "albumin", "inr", "aptt", "pt", "qtc", "lvef",
        "spo2", "systolic_bp", "diastolic_bp",
    ]  # fmt: skip
    op: Op
    value: float
    unit: Literal[
        "10^9/L",
        "g/dL",
        "mL/min",
        "mL/min/1.73m2",
        "mg/dL",
        "x ULN",
        "ms",
        "%",
        "ratio",
        "s",
        "mmHg",
    ]
    as_written: str
    # "SpO2 ≥ 92 % on room air": only a reading recorded without supplemental oxygen counts
    on_room_air: bool = False


class BrainMetastasesConstraint(_Frozen):
    type: Literal["brain_metastases"] = "brain_metastases"
    # "leptomeningeal": leptomeningeal disease, ruled out by the same brain imaging
    qualifier: Literal["any", "active", "untreated", "symptomatic", "leptomeningeal"]
    # "known brain metastases": documented ones only, so none recorded decides
    known: bool = False


class PregnancyConstraint(_Frozen):
    """Pregnant (or, with ``breastfeeding``, pregnant or breastfeeding)."""

    type: Literal["pregnancy"] = "pregnancy"
    breastfeeding: bool = False
    # the item names women of childbearing potential ("premenopausal women", "WOCBP", "amenorrhoea
    # of less than 12 months"): it does not apply to a woman recorded postmenopausal
    childbearing_only: bool = False
    # "a negative (serum or urine) pregnancy test within 14 days of randomisation": only a
    # recorded test in that window shows "not pregnant"
    test_within_days: int | None = None


class DrugAllergyConstraint(_Frozen):
    """A known allergy or hypersensitivity to the study treatment: its drugs, their class, its
    excipients or components (``drugs``: the drugs the text names); ``qualified``: the text asks
    for a severity ("serious", "grade ≥ 3") a recorded allergy alone does not settle."""

    type: Literal["drug_allergy"] = "drug_allergy"
    drugs: tuple[str, ...] = ()
    qualified: bool = False


class RecentEventConstraint(_Frozen):
    """Major surgery, an investigational agent, or a live vaccine, within ``within_days`` before
    the first dose. Read against the screening date: "not within" is concluded only when the last such
    event lies outside the window however late the first dose is."""

    type: Literal["recent_event"] = "recent_event"
    event: Literal["major_surgery", "investigational_agent", "live_vaccine"]
    within_days: int


class SwallowingConstraint(_Frozen):
    """Able to swallow oral medication (tablets, capsules): holds when dysphagia is recorded
    absent, does not when it is recorded present."""

    type: Literal["swallowing"] = "swallowing"


class CurrentAntiretroviralConstraint(_Frozen):
    """On antiretroviral therapy now ("patients on antiretroviral therapy", "receiving HAART"):
    ruled out only medicine by medicine (``eval_medication``)."""

    type: Literal["current_antiretroviral"] = "current_antiretroviral"


Constraint = Annotated[
    AgeConstraint
    | SexConstraint
    | CancerTypeConstraint
    | StageConstraint
    | GeneAlterationConstraint
    | BiomarkerStatusConstraint
    | EcogConstraint
    | PriorTherapyConstraint
    | PriorLinesConstraint
    | LabConstraint
    | BrainMetastasesConstraint
    | PregnancyConstraint
    | DiseaseExtentConstraint
    | MeasurableDiseaseConstraint
    | InfectionConstraint
    | PriorMalignancyConstraint
    | ConditionHistoryConstraint
    | DrugAllergyConstraint
    | RecentEventConstraint
    | SwallowingConstraint
    | CurrentAntiretroviralConstraint,
    Field(discriminator="type"),
]
