# SPDX-License-Identifier: Apache-2.0
"""CDS Hooks 2.0 card shapes and the pure builders that turn PGx advice into cards."""

from __future__ import annotations

import copy
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from oncoboard.pharmacogenomics.schemas import DrugAdvice

Indicator = Literal["info", "warning", "critical"]
OVERRIDE_SYSTEM = "https://oncoboard.org/cds/override-reason"
# Reasons a prescriber may give for keeping the order (CDS Hooks overrideReasons).
OVERRIDE_REASONS = (
    ("tdm-planned", "Dose will be guided by therapeutic drug monitoring"),
    ("prior-tolerance", "Patient has tolerated this dose before"),
    ("dose-already-adjusted", "Ordered dose already reflects the genotype"),
    ("result-disputed", "Genotype result disputed; confirmatory test ordered"),
    ("urgent-benefit", "Immediate treatment needed; benefit outweighs the risk"),
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Coding(_Model):
    system: str
    code: str
    display: str | None = None


class Source(_Model):
    label: str
    url: str | None = None
    topic: Coding | None = None


class Link(_Model):
    label: str
    url: str
    type: Literal["absolute", "smart"]
    appContext: str | None = None


class CardAction(_Model):
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resourceId: list[str] | None = None


class Suggestion(_Model):
    label: str
    uuid: str = Field(default_factory=lambda: str(uuid.uuid4()))
    isRecommended: bool = False
    actions: list[CardAction] = Field(default_factory=list)


class Card(_Model):
    uuid: str = Field(default_factory=lambda: str(uuid.uuid4()))
    summary: str = Field(max_length=140)
    detail: str | None = None
    indicator: Indicator
    source: Source
    suggestions: list[Suggestion] = Field(default_factory=list)
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    overrideReasons: list[Coding] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)


class CdsResponse(_Model):
    cards: list[Card]


def _indicator(advice: DrugAdvice) -> Indicator:
    return (
        "critical"
        if advice.action == "avoid"
        else "warning"
        if advice.action in ("reduce", "test")
        else "info"
    )


def _detail(advice: DrugAdvice) -> str:
    genes = "\n".join(
        f"- **{g.gene}** {g.diplotype or ''}: {g.phenotype}"
        + (f" (activity score {g.activity_score:g})" if g.activity_score is not None else "")
        + (f" — {g.method}, {g.basis}" if g.basis else "")
        for g in advice.genes
    )
    warnings = "".join(f"\n\n⚠ {w}" for w in advice.warnings)
    cites = "\n".join(f"- {c}" for c in advice.citations)
    return (
        f"{advice.text}{warnings}\n\n{genes}\n\n**Sources**\n{cites}\n\n"
        f"Tables: {advice.table_version}; guidance {advice.guidance_version}; row "
        f"verification: {advice.verification}. Nothing is changed without the prescriber."
    )


def _summary(advice: DrugAdvice) -> str:
    verb = {
        "avoid": "avoid",
        "reduce": f"start at {advice.dose_text}" if advice.percent else "reduce the starting dose",
        "test": "genotype before starting",
        "monitor": "monitor closely",
        "standard": "label dose",
    }[advice.action]
    phenotype = next((g for g in advice.genes if g.status == "determined"), None)
    why = (
        f"{phenotype.gene} {phenotype.phenotype.lower()}"
        if phenotype and advice.action not in ("test",)
        else "PGx result missing"
    )
    text = f"{advice.drug.capitalize()}: {verb} ({why})"
    return text[:140]


def order_card(
    advice: DrugAdvice, order: dict[str, Any], *, source_url: str, link: Link | None
) -> Card:
    """A warning card for one draft MedicationRequest, the proposed dose as a suggestion."""
    suggestions = _suggestions(advice, order)
    return Card(
        summary=_summary(advice),
        detail=_detail(advice),
        indicator=_indicator(advice),
        source=Source(
            label=f"OncoBoard pharmacogenomics ({advice.guideline.split(' (')[0]})",
            url=source_url,
            topic=Coding(
                system="https://oncoboard.org/cds/topic",
                code=advice.rule_id or advice.action,
                display=advice.group,
            ),
        ),
        suggestions=suggestions,
        selectionBehavior="at-most-one" if suggestions else None,
        overrideReasons=[
            Coding(system=OVERRIDE_SYSTEM, code=c, display=d) for c, d in OVERRIDE_REASONS
        ],
        links=[link] if link else [],
    )


def _dose(order: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(doseAndRate entry, its doseQuantity) of the first dosage instruction that has one."""
    for dosage in order.get("dosageInstruction") or []:
        for rate in dosage.get("doseAndRate") or []:
            if isinstance(rate.get("doseQuantity"), dict) and isinstance(
                rate["doseQuantity"].get("value"), int | float
            ):
                return rate, rate["doseQuantity"]
    return None


def proposed_order(advice: DrugAdvice, order: dict[str, Any]) -> dict[str, Any] | None:
    """The order with its dose scaled to the advice (a range becomes ``doseRange``)."""
    if advice.action != "reduce" or advice.percent is None:
        return None
    changed = copy.deepcopy(order)
    found = _dose(changed)
    if found is None:
        return None
    rate, quantity = found
    low, high = advice.percent
    value = float(quantity["value"])
    if low == high:
        rate["doseQuantity"] = {**quantity, "value": round(value * low / 100, 2)}
    else:
        del rate["doseQuantity"]
        rate["doseRange"] = {
            "low": {**quantity, "value": round(value * low / 100, 2)},
            "high": {**quantity, "value": round(value * high / 100, 2)},
        }
    return changed


def _suggestions(advice: DrugAdvice, order: dict[str, Any]) -> list[Suggestion]:
    reference = f"MedicationRequest/{order.get('id')}" if order.get("id") else None
    if advice.action == "avoid" and reference:
        return [
            Suggestion(
                label=f"Cancel the {advice.drug} order",
                isRecommended=True,
                actions=[
                    CardAction(
                        type="delete",
                        description=f"Remove the draft {advice.drug} order",
                        resourceId=[reference],
                    )
                ],
            )
        ]
    changed = proposed_order(advice, order)
    if changed is None:
        return []
    action = CardAction(
        type="update",
        description=f"{advice.drug} starting dose per {advice.rule_id}",
        resource=changed,
    )
    label = f"Change the starting dose to {_dose_text(changed)} ({advice.dose_text})"
    return [Suggestion(label=label, isRecommended=True, actions=[action])]


def _dose_text(order: dict[str, Any]) -> str:
    for dosage in order.get("dosageInstruction") or []:
        for rate in dosage.get("doseAndRate") or []:
            if "doseQuantity" in rate:
                q = rate["doseQuantity"]
                return f"{q['value']:g} {q.get('unit') or q.get('code') or ''}".strip()
            if "doseRange" in rate:
                low, high = rate["doseRange"]["low"], rate["doseRange"]["high"]
                return f"{low['value']:g}-{high['value']:g} {low.get('unit') or low.get('code') or ''}".strip()
    return ""


def first_dose(order: dict[str, Any]) -> tuple[float, str] | None:
    """(value, unit) of the order's first doseQuantity, if it has one."""
    found = _dose(order)
    if found is None:
        return None
    quantity = found[1]
    return float(quantity["value"]), str(quantity.get("code") or quantity.get("unit") or "")
