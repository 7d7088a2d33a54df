# SPDX-License-Identifier: Apache-2.0
"""PRO-CTCAE item library and per-regimen questionnaires, as validated data.

The package ships the structure of the items its questionnaires use (short labels, no item
wording: its terms of use are unconfirmed, facts §1.1; see ``data/ATTRIBUTION.md``). A site
with its own copy of the full 124-item list (ProAE numbering CSV, as in
``shared/data/pro-ctcae/items_proae_numbering.csv``) points ``ONCOBOARD_PRO_ITEM_LIBRARY`` at it.
"""

from __future__ import annotations

import csv
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from oncoboard.errors import InputError, Problem
from oncoboard.monitoring.grading import ORDER, Attribute

# Response options per attribute (facts §1.1 table); 'NA' options are missing, never 0.
SCALES: dict[Attribute, tuple[str, ...]] = {
    Attribute.FREQUENCY: ("never", "rarely", "occasionally", "frequently", "almost constantly"),
    Attribute.SEVERITY: ("none", "mild", "moderate", "severe", "very severe"),
    Attribute.INTERFERENCE: ("not at all", "a little bit", "somewhat", "quite a bit", "very much"),
    Attribute.AMOUNT: ("not at all", "a little bit", "somewhat", "quite a bit", "very much"),
    Attribute.PRESENCE: ("no", "yes"),
}
MissingCode = Literal["not_applicable", "not_sexually_active", "prefer_not_to_answer"]
MISSING_CODES: tuple[str, ...] = ("not_applicable", "not_sexually_active", "prefer_not_to_answer")
Key = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")]
QuestionnaireId = Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,64}$")]


class ItemDef(BaseModel):
    """One item: the attribute it asks about and the non-scored options it offers."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    item_id: str
    attribute: Attribute
    missing_codes: tuple[MissingCode, ...] = ()


class SymptomDef(BaseModel):
    """One symptom term with its 1-3 items in asking order."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    key: Key
    term: str
    proae_group: int = Field(ge=1)
    items: tuple[ItemDef, ...] = Field(min_length=1, max_length=3)
    ctcae_term: str | None = None
    ctcae_code: str | None = None

    @model_validator(mode="after")
    def _asking_order(self) -> SymptomDef:
        attrs = [i.attribute for i in self.items]
        graded = [a for a in attrs if a != Attribute.PRESENCE]
        if graded != [a for a in ORDER if a in graded] or len(set(attrs)) != len(attrs):
            raise ValueError(f"items of {self.key} are not in PRO-CTCAE asking order: {attrs}")
        return self

    @property
    def attributes(self) -> tuple[Attribute, ...]:
        return tuple(i.attribute for i in self.items)

    def item(self, attribute: Attribute) -> ItemDef | None:
        return next((i for i in self.items if i.attribute == attribute), None)


class ItemLibrary(BaseModel):
    model_config = ConfigDict(frozen=True)
    library: str
    version: str
    attribution: str
    symptoms: dict[str, SymptomDef]


class Questionnaire(BaseModel):
    """A questionnaire configured for a regimen: which terms, recall and schedule."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: QuestionnaireId
    version: str = Field(min_length=1, max_length=16)
    title: str
    # NCI does not endorse recall periods other than the past 7 days (facts §1.1)
    recall_days: Literal[7] = 7
    schedule_days: int = Field(default=7, ge=1, le=91)
    urgent_question: bool = True
    regimens: tuple[str, ...] = ()
    symptoms: tuple[Key, ...] = Field(min_length=1)
    source: str


def _slug(term: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", term.lower()).strip("_")


def _data(name: str) -> Any:
    return json.loads(resources.files("oncoboard.monitoring").joinpath("data", name).read_text())


@cache
def bundled_library() -> ItemLibrary:
    """The item structures shipped with the package."""
    doc = _data("pro_ctcae_items.json")
    symptoms = [SymptomDef.model_validate(s) for s in doc.pop("symptoms")]
    return ItemLibrary(**doc, symptoms={s.key: s for s in symptoms})


def load_library(path: Path | None = None) -> ItemLibrary:
    """The bundled library, or the full list from a ProAE-numbering CSV at ``path``."""
    if path is None:
        return bundled_library()
    groups: dict[int, dict[str, Any]] = {}
    problems: list[Problem] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                group = groups.setdefault(
                    int(row["item_group"]),
                    {"term": row["symptom_term"], "items": [], "group": int(row["item_group"])},
                )
                codes = [_slug(c[3:]) for c in row["response_scale"].split("|") if c[:3] == "NA "]
                group["items"].append(
                    {
                        "item_id": row["item_id"],
                        "attribute": row["attribute"],
                        "missing_codes": codes,
                    }
                )
            except (KeyError, ValueError, TypeError) as error:
                problems.append(Problem(path.name, f"line {line}", "row", str(row), str(error)))
    symptoms: dict[str, SymptomDef] = {}
    for number, group in groups.items():
        try:
            symptom = SymptomDef(
                key=_slug(group["term"]),
                term=group["term"],
                proae_group=number,
                items=group["items"],
            )
            symptoms[symptom.key] = symptom
        except ValidationError as error:
            problems.append(
                Problem(path.name, f"item group {number}", "items", group["term"], str(error))
            )
    if problems:
        raise InputError(f"{path.name}: item library not loaded", problems)
    return ItemLibrary(
        library="PRO-CTCAE item library v1.0 (site copy)",
        version=path.name,
        attribution=f"loaded from {path}",
        symptoms=symptoms,
    )


def load_questionnaires(library: ItemLibrary, path: Path | None = None) -> dict[str, Questionnaire]:
    """Validated questionnaires (bundled, or a site's JSON file of the same layout)."""
    source = path.name if path else "questionnaires.json"
    doc = json.loads(path.read_text()) if path else _data("questionnaires.json")
    problems: list[Problem] = []
    found: dict[str, Questionnaire] = {}
    for index, raw in enumerate(doc.get("questionnaires", [])):
        locator = f"questionnaire {raw.get('id', index)!s}"
        try:
            questionnaire = Questionnaire.model_validate(raw)
        except ValidationError as error:
            problems += [
                Problem(
                    source, locator, ".".join(map(str, e["loc"])), repr(e.get("input")), e["msg"]
                )
                for e in error.errors()
            ]
            continue
        for position, key in enumerate(questionnaire.symptoms):
            if key not in library.symptoms:
                problems.append(
                    Problem(
                        source, locator, f"symptoms[{position}]", key, "a term of the item library"
                    )
                )
        found[questionnaire.id] = questionnaire
    if problems:
        raise InputError(f"{source}: questionnaires not loaded", problems)
    return found
