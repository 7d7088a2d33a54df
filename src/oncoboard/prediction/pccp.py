# SPDX-License-Identifier: Apache-2.0
"""The change-control plan as code: each clause is a check with a number, a name and a verdict.

A candidate that fails any clause of part 1 (what may change) or part 2 (acceptance criteria)
is outside the plan and cannot be promoted; the refusal names every failed clause.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from oncoboard.errors import InputError, NotFound
from oncoboard.prediction.schemas import (
    ChangeControlPlan,
    ClauseResult,
    TrainingSpec,
    ValidationReport,
)


def bundled_plans() -> dict[str, ChangeControlPlan]:
    found = {}
    for entry in resources.files("oncoboard.prediction.specs").iterdir():
        if entry.name.endswith(".plan.json"):
            plan = ChangeControlPlan.model_validate_json(entry.read_text(encoding="utf-8"))
            found[plan.id] = plan
    return found


def plan_for(plan_id: str) -> ChangeControlPlan:
    plans = bundled_plans()
    if plan_id not in plans:
        raise NotFound(f"change-control plan {plan_id!r} not found ({', '.join(sorted(plans))})")
    return plans[plan_id]


def bundled_spec_names() -> list[str]:
    return sorted(
        entry.name.removesuffix(".json")
        for entry in resources.files("oncoboard.prediction.specs").iterdir()
        if entry.name.endswith(".json") and not entry.name.endswith(".plan.json")
    )


def bundled_spec(name: str) -> TrainingSpec:
    """A training spec shipped with OncoBoard, by name."""
    if name not in bundled_spec_names():
        raise NotFound(
            f"training spec {name!r}: no bundled spec of that name "
            f"(bundled: {', '.join(bundled_spec_names())})"
        )
    entry = resources.files("oncoboard.prediction.specs").joinpath(f"{name}.json")
    return load_spec(entry.read_text(encoding="utf-8"), f"bundled spec {name}")


def load_spec(text: str, source: str) -> TrainingSpec:
    try:
        return TrainingSpec.model_validate(json.loads(text))
    except (ValueError, TypeError) as error:
        raise InputError(f"{source}: not a valid training spec: {error}") from error


def check(
    plan: ChangeControlPlan,
    spec: TrainingSpec,
    report: ValidationReport,
    released: dict[str, Any] | None,
) -> list[ClauseResult]:
    """Every clause with its verdict; ``released``: the serving version's validation, if any."""
    allowed = plan.allowed_changes
    results = [
        _clause(
            "1.1 model kind fixed",
            spec.kind == allowed.kind,
            f"candidate {spec.kind}, plan {allowed.kind}",
        ),
        _clause(
            "1.2 training data sources",
            spec.dataset in allowed.datasets,
            f"candidate {spec.dataset}, allowed {', '.join(allowed.datasets)}",
        ),
        _clause(
            "1.3 feature set fixed",
            tuple(spec.features) == tuple(allowed.features),
            _feature_detail(spec.features, allowed.features),
        ),
        _hyperparameters(plan, spec),
        _protocol(plan, spec),
    ]
    results += _acceptance(plan, report, released)
    return results


def _clause(name: str, passed: bool, detail: str) -> ClauseResult:
    return ClauseResult(clause=name, passed=passed, detail=detail)


def _feature_detail(candidate: tuple[str, ...], fixed: tuple[str, ...]) -> str:
    added = [f for f in candidate if f not in fixed]
    removed = [f for f in fixed if f not in candidate]
    if not added and not removed:
        return "same features" if candidate == fixed else "same features, different order"
    return f"adds {added or 'none'}, removes {removed or 'none'}"


def _hyperparameters(plan: ChangeControlPlan, spec: TrainingSpec) -> ClauseResult:
    ranges = plan.allowed_changes.hyperparameters
    bad = []
    for name, value in spec.hyperparameters.items():
        bound = ranges.get(name)
        if bound is None:
            bad.append(f"{name}={value} is not a plan parameter")
        elif not bound.min <= value <= bound.max:
            bad.append(f"{name}={value} outside [{bound.min}, {bound.max}]")
    return _clause(
        "1.4 hyper-parameters within ranges", not bad, "; ".join(bad) or "all within ranges"
    )


def _protocol(plan: ChangeControlPlan, spec: TrainingSpec) -> ClauseResult:
    p = plan.validation_protocol
    bad = []
    for name, candidate, required in (
        ("cv_folds", spec.cv_folds, p.cv_folds),
        ("holdout_fraction", spec.holdout_fraction, p.holdout_fraction),
        ("seed", spec.seed, p.seed),
        ("horizon_years", spec.horizon_years, p.horizon_years),
        ("external_validation", spec.external_validation, p.external_validation),
    ):
        if candidate != required:
            bad.append(f"{name} {candidate} (plan: {required})")
    if spec.bootstrap_replicates < p.bootstrap_replicates_min:
        bad.append(
            f"bootstrap_replicates {spec.bootstrap_replicates} < {p.bootstrap_replicates_min}"
        )
    return _clause("1.5 validation protocol", not bad, "; ".join(bad) or "as declared")


def _acceptance(
    plan: ChangeControlPlan, report: ValidationReport, released: dict[str, Any] | None
) -> list[ClauseResult]:
    a = plan.acceptance
    c = report.holdout.harrell_c
    results = [
        _clause(
            "2.1 minimum discrimination",
            c.value >= a.minimum_c_index,
            f"hold-out C {c.value:.3f} (plan minimum {a.minimum_c_index:.3f})",
        ),
    ]
    if released is not None:
        floor = released["holdout"]["harrell_c"]["low"] - a.c_index_margin
        results.append(
            _clause(
                "2.2 no loss of discrimination",
                c.value >= floor,
                f"hold-out C {c.value:.3f}; released lower bound "
                f"{released['holdout']['harrell_c']['low']:.3f} - margin {a.c_index_margin}"
                f" = {floor:.3f}",
            )
        )
        results.append(_subgroup_drop(a.subgroup_max_drop, report, released))
    slope = report.holdout.calibration_slope
    in_range = (
        slope is not None and a.calibration_slope.min <= slope.value <= a.calibration_slope.max
    )
    results.append(
        _clause(
            "2.4 calibration slope in range",
            in_range,
            f"slope {slope.value if slope else 'n/a'} (plan "
            f"[{a.calibration_slope.min}, {a.calibration_slope.max}])",
        )
    )
    return results


def _subgroup_drop(
    limit: float, report: ValidationReport, released: dict[str, Any]
) -> ClauseResult:
    before = {
        (r["variable"], r["level"]): r["harrell_c"]["value"]
        for r in released["subgroups"]
        if r.get("harrell_c")
    }
    drops = []
    for row in report.subgroups:
        old = before.get((row.variable, row.level))
        if row.harrell_c is not None and old is not None and old - row.harrell_c.value > limit:
            drops.append(f"{row.variable}={row.level}: {old:.3f} -> {row.harrell_c.value:.3f}")
    return _clause(
        "2.3 no subgroup drop beyond threshold",
        not drops,
        "; ".join(drops) or f"no subgroup C fell by more than {limit}",
    )


def violations(results: list[ClauseResult]) -> list[ClauseResult]:
    return [r for r in results if not r.passed]
