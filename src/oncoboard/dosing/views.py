# SPDX-License-Identifier: Apache-2.0
"""What the "Propose a dose change" form offers and how a posted form becomes a request.

Kept apart from the page router so the patient page (``web.routes``) can build the form
without importing the pages that import its templates.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from pydantic import ValidationError

from oncoboard.dosing import engine
from oncoboard.dosing.schemas import DoseProposalIn
from oncoboard.dosing.vocabulary import vocabulary
from oncoboard.errors import InputError, Problem
from oncoboard.governance.gate import Actor
from oncoboard.governance.vocabulary import Action, Purpose, allowed_purposes
from oncoboard.record.schemas import RecordedFact

# form field → its label on the page, so an error names what the clinician sees
LABELS = {
    "drug": "Drug",
    "indication": "Dose levels (starting dose)",
    "current_level": "Current dose level",
    "ae": "Adverse event",
    "grade": "CTCAE grade",
    "grade_source": "Graded by",
}
# what a refused field should hold, in the clinician's words (pydantic's messages are not)
EXPECTED = {
    "drug": "a drug with a dose-modification table",
    "indication": "one of the drug's dose-level sets",
    "current_level": "a dose level: 0, -1, -2, …",
    "ae": "a CTCAE v5.0 term, its MedDRA code or a common synonym",
    "grade": "a CTCAE grade 1-4",
    "grade_source": "clinician or patient_reported",
}


@dataclass(frozen=True)
class DrugChoice:
    """A recorded treatment that has a rule table: its indications and the AEs it answers."""

    drug: str
    treatment: str
    indications: tuple[tuple[str, str], ...]
    levels: tuple[int, ...]
    terms: tuple[str, ...]


@dataclass(frozen=True)
class DoseForm:
    patient_id: str
    drugs: tuple[DrugChoice, ...]
    values: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    @property
    def all_terms(self) -> list[str]:
        """Every term the engine answers for (CTCAE v5.0 and label events), for the datalist."""
        return [t.ctcae_term for t in vocabulary().terms]

    @property
    def levels(self) -> list[int]:
        """Every dose level any offered table has (0, -1, …); the engine checks the pair."""
        return sorted({lv for d in self.drugs for lv in d.levels}, reverse=True)

    def invalid(self, name: str) -> bool:
        return any(p.field == name for p in self.problems)


# FHIR MedicationStatement/MedicationRequest/Procedure statuses of a treatment no longer given
ENDED = frozenset({"completed", "stopped", "cancelled", "entered-in-error", "not-taken", "revoked"})


def is_current(treatment: object, today: date | None = None) -> bool:
    """A recorded treatment the patient is on: not ended (status or an end date before today).

    Examples
    --------
    >>> from types import SimpleNamespace as T
    >>> is_current(T(status="active", end=None)), is_current(T(status="completed", end=None))
    (True, False)
    >>> is_current(T(status=None, end="2020-01-31"), date(2026, 1, 1))
    False
    """
    status = str(getattr(treatment, "status", None) or "").lower()
    if status in ENDED:
        return False
    end = str(getattr(treatment, "end", None) or "")[:10]
    return not end or end >= (today or date.today()).isoformat()


def may_propose(actor: Actor) -> bool:
    """Roles that may edit the record for treatment may propose (clinician, nurse, …)."""
    return Purpose.TREATMENT in allowed_purposes(actor.roles, Action.EDIT_RECORD)


def proposal_form(
    patient_id: str,
    treatments: Sequence[RecordedFact],
    *,
    actor: Actor,
    values: Mapping[str, str] | None = None,
    problems: Sequence[Problem] = (),
    discontinued: Collection[str] = (),
) -> DoseForm | None:
    """The form for a patient, or None when the actor may not propose or no current drug has a
    table. Only current treatments are offered, and none whose discontinuation was approved."""
    if not may_propose(actor):
        return None
    names = [str(getattr(t.fact, "name", "")) for t in treatments if is_current(t.fact)]
    choices = []
    for drug in engine.DRUGS:
        table = engine.drug_rules(drug)
        recorded = next((n for n in names if engine.treats_with(table, n)), None)
        if recorded is None or table.drug in discontinued:
            continue
        choices.append(
            DrugChoice(
                drug=table.drug,
                treatment=recorded,
                indications=tuple((i.id, i.name) for i in table.indications),
                levels=tuple(lv.level for i in table.indications for lv in i.levels),
                terms=tuple(engine.drug_terms(table)),
            )
        )
    if not choices:
        return None
    return DoseForm(patient_id, tuple(choices), dict(values or {}), tuple(problems))


def parse_form(values: Mapping[str, str]) -> DoseProposalIn:
    """The posted form as a request; every unusable field is a Problem named by its label."""
    data: dict[str, object] = {
        "drug": values.get("drug", ""),
        "ae": values.get("ae", ""),
        "grade": values.get("grade", ""),
        "grade_source": values.get("grade_source", "clinician"),
        "indication": values.get("indication") or None,
        "current_level": values.get("current_level") or None,
    }
    try:
        return DoseProposalIn.model_validate(data)
    except ValidationError as error:
        problems = [
            Problem(
                source="dose proposal form",
                locator="form",
                field=str(e["loc"][0]) if e["loc"] else "form",
                value=str(values.get(str(e["loc"][0]), "")) if e["loc"] else "",
                expected=EXPECTED.get(str(e["loc"][0]) if e["loc"] else "", str(e["msg"])),
            )
            for e in error.errors()
        ]
        fields = ", ".join(LABELS.get(p.field, p.field) for p in problems)
        raise InputError(f"check {fields}", problems=problems) from None
