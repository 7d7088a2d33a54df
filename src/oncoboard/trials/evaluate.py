# SPDX-License-Identifier: Apache-2.0
"""One constraint against one patient: holds, does not hold, or unknown with the data missing.

The checks live by constraint family (``eval_person``, ``eval_labs``, ``eval_disease``,
``eval_history``, ``eval_molecular``, ``eval_therapy``); this module picks the one for a
constraint's type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oncoboard.trials import (
    eval_allergy,
    eval_disease,
    eval_history,
    eval_labs,
    eval_medication,
    eval_molecular,
    eval_person,
    eval_screening,
    eval_therapy,
)
from oncoboard.trials.schemas import ConstraintResult
from oncoboard.trials.view import PatientView, used

__all__ = ["PatientView", "evaluate", "used"]

_CHECKS: dict[str, Callable[[Any, PatientView], ConstraintResult]] = {
    "age": eval_person.age,
    "sex": eval_person.sex,
    "ecog": eval_person.ecog,
    "lab": eval_labs.lab,
    "pregnancy": eval_person.pregnancy,
    "cancer_type": eval_disease.cancer_type,
    "stage": eval_disease.stage,
    "brain_metastases": eval_disease.brain_metastases,
    "gene_alteration": eval_molecular.gene_alteration,
    "biomarker_status": eval_molecular.biomarker_status,
    "prior_therapy": eval_therapy.prior_therapy,
    "prior_lines": eval_therapy.prior_lines,
    "disease_extent": eval_disease.disease_extent,
    "measurable_disease": eval_disease.measurable_disease,
    "infection": eval_history.infection,
    "prior_malignancy": eval_history.prior_malignancy,
    "condition_history": eval_history.condition_history,
    "drug_allergy": eval_allergy.drug_allergy,
    "recent_event": eval_screening.recent_event,
    "swallowing": eval_history.swallowing,
    "current_antiretroviral": eval_medication.current_antiretroviral,
}


def evaluate(constraint: Any, view: PatientView) -> ConstraintResult:
    check = _CHECKS.get(getattr(constraint, "type", None) or "")
    if check is None:
        raise TypeError(f"no evaluation for {type(constraint).__name__}")
    return check(constraint, view)
