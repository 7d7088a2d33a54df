# SPDX-License-Identifier: Apache-2.0
"""Order cards from the label dose-modification tables (``dosing``): a draft order for a drug
whose dose a clinician already changed in OncoBoard (or discontinued) gets a card that names
the approved dose and proposes it. No approved change on file → the label table has nothing to
say about this order, and there is no card (the PGx check is separate)."""

from __future__ import annotations

import copy
import re
from typing import Any

from oncoboard.dosing import engine as dosing_engine
from oncoboard.dosing.genotype import StartingDose
from oncoboard.dosing.schemas import DoseAction, DoseChange, DrugRules
from oncoboard.ehr.cards import (
    OVERRIDE_REASONS,
    OVERRIDE_SYSTEM,
    Card,
    CardAction,
    Coding,
    Link,
    Source,
    Suggestion,
    first_dose,
)

_AMOUNT = re.compile(r"^(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>[^\s(]+)")


def table_for(order_name: str | None) -> DrugRules | None:
    """The label table of the ordered drug (by generic or brand name), if it has one."""
    if not order_name:
        return None
    for drug in dosing_engine.DRUGS:
        table = dosing_engine.drug_rules(drug)
        if dosing_engine.treats_with(table, order_name):
            return table
    return None


def _amount(text: str) -> tuple[float, str] | None:
    found = _AMOUNT.match(text.strip())
    if found is None:
        return None
    return float(found["value"]), found["unit"].replace("²", "2").lower()


def _approved_level_dose(table: DrugRules, change: DoseChange) -> str | None:
    indication = table.indication(change.indication)
    if indication is None or change.level is None:
        return None
    return indication.dose(change.level).dose


def label_card(
    order: dict[str, Any],
    table: DrugRules,
    changes: list[DoseChange],
    *,
    source_url: str,
    link: Link,
) -> Card | None:
    """A card when the order ignores the last approved change for this drug; else None."""
    mine = [c for c in changes if c.drug == table.drug and c.outcome == "accept"]
    if not mine:
        return None
    last = mine[-1]
    when = f"{last.decided_by}, {last.decided_at:%Y-%m-%d}"
    source = Source(label=f"OncoBoard dose decisions ({table.label})", url=source_url)
    reasons = [Coding(system=OVERRIDE_SYSTEM, code=c, display=d) for c, d in OVERRIDE_REASONS]
    if last.action == DoseAction.DISCONTINUE:
        delete = _delete(order, table.drug)
        return Card(
            summary=f"{table.drug.capitalize()} was discontinued in OncoBoard ({when})"[:140],
            detail=f"Discontinued after {last.ae_term} grade {last.grade}: {last.dose}. Rule "
            f"table {table.version}; the prescriber decides.",
            indicator="critical",
            source=source,
            suggestions=delete,
            selectionBehavior="at-most-one" if delete else None,
            overrideReasons=reasons,
            links=[link],
        )
    dose = _approved_level_dose(table, last)
    if dose is None:
        return None
    ordered = first_dose(order)
    target = _amount(dose)
    if ordered is not None and target is not None and _same(ordered, target):
        return None  # the order already has the approved dose
    suggestions = _update(order, target, dose) if ordered is not None else []
    return Card(
        summary=f"{table.drug.capitalize()}: approved dose is {dose}"[:140],
        detail=f"Approved in OncoBoard ({when}) after {last.ae_term} grade {last.grade} "
        f"(level {last.level}, indication {last.indication}); the label table "
        f"{table.version} does not re-escalate"
        + (" (never re-escalate)" if table.never_re_escalate else "")
        + f". Label: {table.label}.",
        indicator="warning",
        source=source,
        suggestions=suggestions,
        selectionBehavior="at-most-one" if suggestions else None,
        overrideReasons=reasons,
        links=[link],
    )


def _same(ordered: tuple[float, str], target: tuple[float, str]) -> bool:
    return abs(ordered[0] - target[0]) < 1e-6 and ordered[1].replace("²", "2").lower() == target[1]


def _update(order: dict[str, Any], target: tuple[float, str] | None, dose: str) -> list[Suggestion]:
    """Set the order's dose to the approved level when the units agree (else no suggestion)."""
    ordered = first_dose(order)
    if target is None or ordered is None or ordered[1].replace("²", "2").lower() != target[1]:
        return []
    changed = copy.deepcopy(order)
    for dosage in changed.get("dosageInstruction") or []:
        for rate in dosage.get("doseAndRate") or []:
            if isinstance(rate.get("doseQuantity"), dict):
                rate["doseQuantity"]["value"] = target[0]
                action = CardAction(
                    type="update", description=f"dose per approved change: {dose}", resource=changed
                )
                return [Suggestion(label=f"Use the approved dose: {dose}", isRecommended=True,
                                   actions=[action])]  # fmt: skip
    return []


def _delete(order: dict[str, Any], drug: str) -> list[Suggestion]:
    if not order.get("id"):
        return []
    action = CardAction(
        type="delete",
        description=f"Remove the draft {drug} order",
        resourceId=[f"MedicationRequest/{order['id']}"],
    )
    return [Suggestion(label=f"Cancel the {drug} order", isRecommended=True, actions=[action])]


def untested_cards(doses: list[StartingDose], *, source: Source, link: Link) -> list[Card]:
    """patient-view: a drug on the record whose guiding gene was never tested (or is incomplete)."""
    cards = []
    for item in doses:
        if not item.on_record or item.advice.action != "test":
            continue
        genes = ", ".join(g.gene for g in item.advice.genes)
        cards.append(
            Card(
                summary=f"{item.drug.capitalize()} on record: {genes} genotype unknown"[:140],
                detail=f"{item.advice.text}\n\nOn record as: {', '.join(item.treatments)}. "
                f"Sources: {'; '.join(item.advice.citations)}.",
                indicator="warning",
                source=source,
                links=[link],
            )
        )
    return cards
