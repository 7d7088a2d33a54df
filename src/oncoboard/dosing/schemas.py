# SPDX-License-Identifier: Apache-2.0
"""Dose-modification rule tables (label text as versioned data) and the proposal contract.

The rule model follows the facts doc §2.5: drug, label source and revision, CTCAE term and
grade range, occurrence, condition, action, hold-until, maximum hold, resume dose level per
indication, alternatives. Every row carries its label section, source ids and how sure the
transcription is (``verification``), so an unconfirmed row can never pass as a confirmed one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from oncoboard.pharmacogenomics.schemas import DrugAdvice

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Grade = Annotated[int, Field(ge=1, le=4)]
GradeSource = Literal["clinician", "patient_reported"]
# facts doc marking: no mark = seen in a cited source; "from memory"; "unconfirmed".
# "inferred" = not a label row: what follows from the label's silence (e.g. no action below G3).
Verification = Literal["seen_in_source", "from_memory", "unconfirmed", "inferred"]
CTCAE_VERSION: Literal["5.0"] = "5.0"


class DoseAction(StrEnum):
    CONTINUE = "continue"
    HOLD = "hold"
    REDUCE = "reduce"
    DISCONTINUE = "discontinue"
    # the label has no row for this event: the clinician decides, told the label's general rule
    CLINICAL_JUDGEMENT = "clinical_judgement"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AeTerm(Frozen):
    """A CTCAE v5.0 term (term, MedDRA LLT code, grades that exist), or a label event that
    CTCAE v5.0 has no single term for (e.g. DRESS, GI perforation; no MedDRA code here)."""

    ctcae_term: Text
    meddra_code: Text | None
    grades: tuple[int, ...] = Field(description="grades defined in CTCAE v5.0 (empty = '-')")
    aliases: tuple[str, ...] = ()
    soc: str | None = Field(default=None, description="MedDRA System Organ Class")
    kind: Literal["ctcae", "label_event"] = "ctcae"
    note: str | None = None


class AeVocabulary(Frozen):
    ctcae_version: Literal["5.0"]
    source: Text
    terms: tuple[AeTerm, ...]


class DoseLevel(Frozen):
    level: int = Field(le=0, description="0 = starting dose, -1 = first reduction, …")
    dose: Text
    verification: Verification = "seen_in_source"
    note: str | None = None


class Indication(Frozen):
    id: Text
    name: Text
    levels: tuple[DoseLevel, ...] = Field(min_length=1)
    # what a rule asking for "one level lower" means when the lowest level is reached
    at_lowest: Literal["stay", "discontinue"]
    at_lowest_note: Text
    at_lowest_verification: Verification
    citation: Text

    @model_validator(mode="after")
    def _levels_descend(self) -> Indication:
        found = [level.level for level in self.levels]
        if found != list(range(0, -len(found), -1)):
            raise ValueError(f"indication {self.id}: levels must be 0, -1, -2, … (got {found})")
        return self

    @property
    def lowest(self) -> int:
        return self.levels[-1].level

    def dose(self, level: int) -> DoseLevel:
        return next(item for item in self.levels if item.level == level)


class Rule(Frozen):
    """One row of a label table: which AE, grades and occurrences, and what to do."""

    id: Text
    ae: tuple[str, ...] | Literal["any"] = Field(description="CTCAE terms or the term group")
    ae_label: str | None = Field(
        default=None, description="how the row names its events when it uses a class"
    )
    grade_min: Grade
    grade_max: Grade
    occurrence_min: int = Field(default=1, ge=1)
    occurrence_max: int | None = Field(default=None, ge=1)
    condition: str | None = Field(default=None, description="criterion beyond the grade")
    action: DoseAction
    hold_until_grade: int | None = Field(default=None, ge=0, le=3)
    resume_when: str | None = None
    max_hold: str | None = None
    # "same": current level; "one_lower": current - 1; an integer: that level (never above
    # the current one when the label forbids re-escalation); "review": no automatic resume
    # (a grade 4 or life-threatening event: resuming or discontinuing is the clinician's call)
    resume: Literal["same", "one_lower", "review"] | int | None = None
    alternatives: tuple[Text, ...] = ()
    citation: Text
    sources: tuple[Text, ...] = Field(min_length=1)
    verification: Verification

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if self.grade_min > self.grade_max:
            raise ValueError(f"rule {self.id}: grade_min > grade_max")
        if self.occurrence_max is not None and self.occurrence_max < self.occurrence_min:
            raise ValueError(f"rule {self.id}: occurrence_max < occurrence_min")
        needs_resume = self.action in (DoseAction.HOLD, DoseAction.REDUCE)
        if needs_resume != (self.resume is not None):
            raise ValueError(f"rule {self.id}: hold/reduce need a resume level, others none")
        if (
            self.action == DoseAction.HOLD
            and self.hold_until_grade is None
            and not self.resume_when
        ):
            raise ValueError(f"rule {self.id}: a hold needs hold_until_grade or resume_when")
        return self

    def covers(self, term: str, grade: int, occurrence: int) -> bool:
        in_ae = self.ae == "any" or term in self.ae
        in_occurrence = occurrence >= self.occurrence_min and (
            self.occurrence_max is None or occurrence <= self.occurrence_max
        )
        return in_ae and self.grade_min <= grade <= self.grade_max and in_occurrence


class GeneralRule(Frozen):
    """What the label says for adverse reactions its table does not name (or that it has none)."""

    text: Text
    citation: Text
    sources: tuple[Text, ...] = Field(min_length=1)
    verification: Verification


class DrugRules(Frozen):
    """One drug's table: versioned, with its label source; rows are matched in order."""

    drug: Text
    brands: tuple[Text, ...]
    version: Text
    label: Text
    label_revision: Text
    region: Text
    sources: dict[str, Text] = Field(description="facts-doc source id → what it is")
    # "ae": occurrences of the AE (or its group) at any grade; "ae_and_grade": at this grade
    occurrence_scope: Literal["ae", "ae_and_grade"]
    never_re_escalate: bool
    general_rule: GeneralRule
    grading_note: str | None = None
    ae_groups: dict[str, tuple[str, ...]] = {}
    indications: tuple[Indication, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = Field(min_length=1)
    notes: tuple[Text, ...] = ()
    unconfirmed: tuple[Text, ...] = ()

    def indication(self, key: str) -> Indication | None:
        return next((i for i in self.indications if i.id == key), None)

    def group_of(self, term: str) -> str:
        """The occurrence-counting key: the term's group (e.g. hepatotoxicity) or the term."""
        return next((g for g, terms in self.ae_groups.items() if term in terms), term)

    def named_terms(self) -> set[str]:
        return {t for rule in self.rules if rule.ae != "any" for t in rule.ae}

    @property
    def has_catch_all(self) -> bool:
        return any(rule.ae == "any" for rule in self.rules)


GRADE_EXPECTED = "a CTCAE grade: a whole number 1-4 (5 = death is refused)"


def whole_grade(value: object) -> int:
    """A grade as typed or sent: a whole number, never a bool, a fraction or a word.

    Examples
    --------
    >>> whole_grade(" 3 ")
    3
    >>> whole_grade("2.5")
    Traceback (most recent call last):
    ValueError: a CTCAE grade: a whole number 1-4 (5 = death is refused); got '2.5'
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        return int(value.strip())
    raise ValueError(f"{GRADE_EXPECTED}; got {value!r}")


class GradeInput(Frozen):
    """A graded adverse event: who graded it decides how it is labelled, never what it is."""

    ae: Text = Field(max_length=200, description="CTCAE v5.0 term, MedDRA code or alias")
    grade: Annotated[int, BeforeValidator(whole_grade)] = Field(
        description="CTCAE grade: a whole number 1-4 (5 = death is refused)"
    )
    grade_source: GradeSource = "clinician"
    ctcae_version: Literal["5.0"] = CTCAE_VERSION
    graded_at: datetime | None = None
    source_ref: str | None = Field(
        default=None, max_length=200, description="e.g. the PRO-CTCAE survey/response id"
    )


class DoseProposalIn(GradeInput):
    drug: Text = Field(max_length=100)
    indication: str | None = Field(default=None, max_length=64)
    current_level: int | None = Field(
        default=None, le=0, description="default: the level of the last approved change, else 0"
    )


class DoseProposal(Frozen):
    """The engine's answer (pure): what the label table says for this AE, grade and occurrence."""

    drug: str
    indication: str
    ae_term: str
    meddra_code: str | None
    grade: int
    grade_source: GradeSource
    ctcae_version: str
    occurrence: int
    occurrence_key: str
    current_level: int
    current_dose: str
    action: DoseAction
    hold_until_grade: int | None
    resume_when: str | None
    max_hold: str | None
    next_level: int | None
    next_dose: str | None
    condition: str | None
    statement: str
    rule_id: str
    rules_version: str
    citation: str
    sources: tuple[str, ...]
    verification: Verification
    alternatives: tuple[str, ...]
    limitations: tuple[str, ...]


class DoseProposalOut(BaseModel):
    recommendation_id: str
    proposal: DoseProposal
    # the genotype's starting-dose advice for this drug (None: the drug has no PGx rule)
    pharmacogenomics: DrugAdvice | None = None


class DoseChange(BaseModel):
    """A dose change a clinician approved (accepted or modified): it is the treatment's dose."""

    model_config = ConfigDict(frozen=True)
    recommendation_id: str
    drug: str
    indication: str
    treatment: str
    treatment_fact_id: int | None
    ae_term: str
    grade: int
    grade_source: GradeSource
    action: DoseAction
    level: int | None
    dose: str
    outcome: Literal["accept", "modify"]
    decided_by: str
    decided_at: datetime


class ProposalSummary(BaseModel):
    model_config = ConfigDict(frozen=True)
    recommendation_id: str
    drug: str
    ae_term: str
    grade: int
    grade_source: GradeSource
    action: DoseAction
    next_dose: str | None
    status: str
    created_at: datetime


class DoseHistory(BaseModel):
    patient_id: str
    proposals: list[ProposalSummary]
    changes: list[DoseChange]


class DrugSummary(BaseModel):
    drug: str
    brands: list[str]
    version: str
    label: str
    indications: list[str]
