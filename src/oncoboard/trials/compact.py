# SPDX-License-Identifier: Apache-2.0
"""The matching payload stored at import: the structured criteria only, rebuilt without validation.

A stored trial version never changes, and its constraints were validated when they were
structured (``constraints.structure``). Loading therefore builds them with pydantic's construct
steps, interned: equal constraints and equal criterion plans across trials are one object, so a
patient's answer to "ECOG 0-1" is computed once for the whole registry. A payload written in
another ``FORMAT`` (or none) is rebuilt from the validated ``criteria`` column instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from oncoboard.trials import cohorts
from oncoboard.trials.schemas import (
    AgeConstraint,
    BiomarkerStatusConstraint,
    BrainMetastasesConstraint,
    CancerTypeConstraint,
    ConditionHistoryConstraint,
    Criterion,
    CurrentAntiretroviralConstraint,
    DiseaseExtentConstraint,
    DrugAllergyConstraint,
    EcogConstraint,
    GeneAlterationConstraint,
    InfectionConstraint,
    LabConstraint,
    MeasurableDiseaseConstraint,
    PregnancyConstraint,
    PriorLinesConstraint,
    PriorMalignancyConstraint,
    PriorTherapyConstraint,
    RecentEventConstraint,
    SexConstraint,
    StageConstraint,
    SwallowingConstraint,
)

# 4: round-3 readers (cohort definitions; drug allergy, recent events, SpO2, blood pressure):
# stored trials are read again
# 5: round-4 readers (narrowing qualifiers of an exclusion: a flag of its own; allergy to named
# drugs; the patient's own cancer in "any malignancy"; tumour-type branches, regimens, RECIST
# rules, progression after a therapy, "known" alterations)
FORMAT = 5
# (inclusion?, partial, has exceptions, open alternatives, conditional, subject partial, widened,
#  ((constraint, any-of group, constraint type, negated, subject?), ...)): the flags of
# ``FLAGS`` in order, then the parts; the criterion id is left out so equal criteria of
# different trials share one plan (and one state)
FLAGS = (
    "inclusion", "partial", "has_exceptions", "open_alternatives", "conditional",
    "subject_partial", "widened", "narrowed",
)  # fmt: skip
Plan = tuple[Any, ...]
Model = TypeVar("Model", bound=BaseModel)

_KINDS: dict[str, type[BaseModel]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        AgeConstraint, SexConstraint, CancerTypeConstraint, StageConstraint,
        GeneAlterationConstraint, BiomarkerStatusConstraint, EcogConstraint,
        PriorTherapyConstraint, PriorLinesConstraint, LabConstraint, BrainMetastasesConstraint,
        PregnancyConstraint, DiseaseExtentConstraint, MeasurableDiseaseConstraint,
        InfectionConstraint, PriorMalignancyConstraint, ConditionHistoryConstraint,
        DrugAllergyConstraint, RecentEventConstraint, SwallowingConstraint,
        CurrentAntiretroviralConstraint,
    )
}  # fmt: skip
_CONSTRAINTS: dict[tuple[Any, ...], BaseModel] = {}
_PLANS: dict[tuple[Any, ...], Plan] = {}


@dataclass(frozen=True)
class Compact:
    """What screening needs of one trial: structured criteria in order, and how many are not."""

    unstructured: int
    entries: tuple[tuple[str, Plan], ...]
    # the structured items that define a cohort, and how many cohort items no rule read
    cohort_ids: frozenset[str] = frozenset()
    open_cohorts: int = 0


def encode(criteria: Sequence[Criterion]) -> dict[str, Any]:
    """The payload stored next to the criteria at import (JSON)."""
    return {
        "format": FORMAT,
        "unstructured": sum(
            1 for c in criteria if not c.constraints and c.category != "administrative"
        ),
        "criteria": [
            [
                c.id, [c.section == "inclusion", *(getattr(c, f) for f in FLAGS[1:])],
                [[s.group, s.constraint.model_dump(mode="json"), s.negated, s.subject]
                 for s in c.constraints],
            ]
            for c in criteria
            if c.constraints
        ],
        "cohort_ids": [c.id for c in criteria if c.cohort and c.constraints],
        "open_cohorts": cohorts.open_items(criteria),
    }  # fmt: skip


def decode(payload: Mapping[str, Any] | None) -> Compact | None:
    """``None`` when the payload is missing or of another format (rebuild from the criteria)."""
    if not payload or payload.get("format") != FORMAT:
        return None
    entries = tuple(
        (
            str(cid),
            plan(flags, [(constraint(v), g, negated, subject) for g, v, negated, subject in parts]),
        )
        for cid, flags, parts in payload["criteria"]
    )  # fmt: skip
    return Compact(
        int(payload["unstructured"]),
        entries,
        frozenset(map(str, payload["cohort_ids"])),
        int(payload["open_cohorts"]),
    )


def of_criteria(criteria: Sequence[Criterion]) -> Compact:
    """The same from validated criteria (rows written before the payload existed)."""
    return decode(encode(criteria))  # type: ignore[return-value]


def constraint(values: Mapping[str, Any]) -> Any:
    """One interned constraint object per distinct value (lists become the models' tuples)."""
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    key = tuple(sorted(fields.items()))
    found = _CONSTRAINTS.get(key)
    if found is None:
        found = _CONSTRAINTS[key] = build(_KINDS[str(fields["type"])], fields)
    return found


def plan(flags: Sequence[bool], parts: Sequence[tuple[Any, int, bool, bool]]) -> Plan:
    """One interned plan per distinct criterion logic (constraints are interned: keyed by id).
    ``flags``: in the order of ``FLAGS``."""
    key = (*map(bool, flags), tuple((id(c), g, n, s) for c, g, n, s in parts))
    found = _PLANS.get(key)
    if found is None:
        found = _PLANS[key] = (
            *map(bool, flags),
            tuple((c, int(g), str(c.type), bool(n), bool(s)) for c, g, n, s in parts),
        )
    return found


def reset() -> None:
    """Forget the interned objects (with the caches that hold them)."""
    _PLANS.clear()
    _CONSTRAINTS.clear()


_DEFAULTS: dict[type[BaseModel], dict[str, Any]] = {}


def build(model: type[Model], values: Mapping[str, Any]) -> Model:
    """``model.model_construct(**values)`` without its per-call default lookups (pydantic v2's
    steps: ``__dict__``, fields set, no extra, no private attributes). Only for values that were
    validated when written, or that this package computed itself."""
    defaults = _DEFAULTS.get(model)
    if defaults is None:
        defaults = _DEFAULTS[model] = {
            name: f.default for name, f in model.model_fields.items() if not f.is_required()
        }
    built = model.__new__(model)
    object.__setattr__(built, "__dict__", {**defaults, **values})
    object.__setattr__(built, "__pydantic_fields_set__", set(values))
    object.__setattr__(built, "__pydantic_extra__", None)
    object.__setattr__(built, "__pydantic_private__", None)
    return built
