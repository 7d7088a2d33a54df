# SPDX-License-Identifier: Apache-2.0
"""Tumour type, stage and brain-metastasis constraints against one patient."""

from __future__ import annotations

import re

from oncoboard.knowledge.oncotree import agnostic_relation, relation
from oncoboard.trials.schemas import (
    BrainMetastasesConstraint,
    CancerTypeConstraint,
    ConstraintResult,
    StageConstraint,
)
from oncoboard.trials.view import PatientView
from oncoboard.trials.view import answer as _r

_STAGE = re.compile(r"^\s*(?:stage\s*)?(IV|I{1,3}|0)(?:[A-C]\d?)?\b", re.IGNORECASE)
_BRAIN = re.compile(r"brain|cerebr|intracranial|\bCNS\b|central nervous", re.IGNORECASE)


def cancer_type(c: CancerTypeConstraint, view: PatientView) -> ConstraintResult:
    coded = [(cond.oncotree_code, f) for cond, f in view.conditions if cond.oncotree_code]
    if not coded:
        return _r(
            None, "no OncoTree-coded diagnosis", missing="tumour type (OncoTree)", kind=c.type
        )
    reasons = []
    for code, fact in coded:
        if c.any_solid_tumour:
            found = agnostic_relation(code, "any solid tumor")
            matches = [found] if found is not None else []
        else:
            matches = [relation(code, wanted) for wanted in c.oncotree_codes]
        for match in matches:
            if match.on_label:
                return _r(True, match.reason, fact, kind=c.type)
            reasons.append(match.reason)
    return _r(False, "; ".join(reasons), *(f for _, f in coded), kind=c.type)


def stage(c: StageConstraint, view: PatientView) -> ConstraintResult:
    staged = [(cond, f) for cond, f in view.conditions if cond.stage and cond.is_primary]
    for cond, fact in staged:
        found = _STAGE.match(cond.stage or "")
        if found:
            group = found.group(1).upper()
            return _r(
                group in c.stages,
                f"stage {cond.stage} (group {group}) vs {'/'.join(c.stages)}",
                fact,
                kind=c.type,
            )
    return _r(None, "no stage group recorded", missing="stage", kind=c.type)


def brain_metastases(c: BrainMetastasesConstraint, view: PatientView) -> ConstraintResult:
    found = [
        f
        for cond, f in view.conditions
        if not cond.is_primary
        and _BRAIN.search(" ".join(filter(None, (cond.display, cond.body_site))))
    ]
    if found and c.qualifier == "any":
        return _r(True, "brain metastases recorded", *found, kind=c.type)
    if found:
        return _r(
            None,
            f"brain metastases recorded; whether {c.qualifier} is not",
            *found,
            missing=f"{c.qualifier} status of brain metastases",
            kind=c.type,
        )
    return _r(
        None, "no brain imaging status recorded", missing="brain metastasis status", kind=c.type
    )
