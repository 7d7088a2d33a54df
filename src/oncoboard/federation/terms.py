# SPDX-License-Identifier: Apache-2.0
"""The filtering terms a site understands, and Beacon filters and request parameters read into
one :class:`CohortQuery`. Every unknown term is a located error naming it, never a zero count.

The vocabulary is fixed (OncoTree, sexes, AJCC stage groups, treatment classes), not drawn from
the data, so listing it discloses nothing about who is at the site.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from oncoboard.errors import InputError, Problem
from oncoboard.federation.schemas import CohortQuery, Sex, TumourType, VariantCriterion
from oncoboard.knowledge import oncotree
from oncoboard.record.genomics import ProteinChange, parse_genome_build
from oncoboard.trials.vocabulary import DRUG_CLASSES

# NCIt codes for sex as the Beacon reference-implementation data uses them (individuals.json:
# NCIT:C16576 female, NCIT:C20197 male).
SEX_TERMS: dict[str, Sex] = {"NCIT:C16576": "female", "NCIT:C20197": "male"}
_SEX_WORDS: dict[str, Sex] = {
    "female": "female",
    "f": "female",
    "male": "male",
    "m": "male",
    "other": "other",
}

# AJCC/UICC TNM stage groups 0–IV with their letter/number sub-groups (IIIA, IIIC1 …); other
# staging systems (FIGO letters aside, Binet, Rai, ISS) are not searchable as stages.
STAGE_GROUPS = ("0", "I", "II", "III", "IV")
_STAGE = re.compile(r"^(?:stage\s*)?[cpyra]{0,2}(0|IV|III|II|I)([ABC][1-3]?)?$", re.IGNORECASE)


@dataclass(frozen=True)
class TreatmentClass:
    slug: str
    label: str
    category: str | None  # the record's treatment category this class is, when it is one
    drugs: tuple[str, ...] = ()


# Modalities are the record's own treatment categories; drug classes and their members come
# from trials/vocabulary.py (cited there: US prescribing information of each approved agent).
TREATMENT_CLASSES: dict[str, TreatmentClass] = {
    c.slug: c
    for c in (
        TreatmentClass("systemic-therapy", "Systemic therapy (any medication)", "medication"),
        TreatmentClass("surgery-or-procedure", "Surgery or other procedure", "procedure"),
        TreatmentClass("radiotherapy", "Radiotherapy", "radiotherapy"),
        *(
            TreatmentClass(re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"), name, None, drugs)
            for name, drugs in DRUG_CLASSES.items()
        ),
    )
}


def treatment_classes_of(category: str, name: str) -> set[str]:
    """The classes one recorded treatment belongs to (its modality, and any drug class that
    names one of its words)."""
    found = {c.slug for c in TREATMENT_CLASSES.values() if c.category == category}
    if category == "medication":
        words = set(re.findall(r"[a-z0-9-]+", name.lower()))
        found |= {c.slug for c in TREATMENT_CLASSES.values() if words & set(c.drugs)}
    return found


def normalise_stage(text: str | None) -> tuple[str, str] | None:
    """``Stage IIIC``/``cIIIC``/``IIIc`` → (``IIIC``, ``III``); None for other systems."""
    if not text:
        return None
    match = _STAGE.match(text.strip())
    if match is None:
        return None
    group = match[1].upper()
    return group + (match[2] or "").upper(), group


def normalise_sex(text: str | None) -> Sex | None:
    if not text:
        return None
    word = text.strip().lower()
    return SEX_TERMS.get(text.strip().upper()) or _SEX_WORDS.get(word)


_GENE = re.compile(r"^[A-Z0-9][A-Za-z0-9-]{0,31}$")
GENE_SYMBOL = _GENE  # the form of an HGNC symbol (no HGNC list ships with OncoBoard)
_AGE = re.compile(r"^(?:P(\d{1,3})Y(?:\d{1,2}M)?(?:\d{1,2}D)?|(\d{1,3}))$")
_BASES = re.compile(r"^[ACGTN]{1,200}$")


class _Reader:
    """Collects the query and every problem, so all bad terms are reported at once."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.tumours: list[TumourType] = []
        self.sex: Sex | None = None
        self.age_min: int | None = None
        self.age_max: int | None = None
        self.classes: list[str] = []
        self.stages: list[str] = []
        self.variant: dict[str, Any] = {}

    def bad(self, locator: str, field: str, value: object, expected: str) -> None:
        self.problems.append(Problem(self.source, locator, field, str(value), expected))

    def filter(self, locator: str, raw: object) -> None:
        item = {"id": raw} if isinstance(raw, str) else raw
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            self.bad(locator, "id", raw, "a filter object with an 'id' string")
            return
        term = item["id"].strip()
        if "operator" in item or "value" in item:
            self._alphanumeric(locator, term, item)
            return
        prefix, _, value = term.partition(":")
        handler = _TERM_HANDLERS.get(prefix.lower())
        if handler is None or not value:
            self.bad(locator, "id", term, _EXPECTED_TERM)
            return
        handler(self, locator, value, item)

    def _alphanumeric(self, locator: str, term: str, item: Mapping[str, Any]) -> None:
        if term.lower() != "age":
            self.bad(locator, "id", term, "an alphanumeric filter on 'age'")
            return
        operator, value = str(item.get("operator", "=")), str(item.get("value", ""))
        match = _AGE.match(value.strip())
        if match is None:
            self.bad(locator, "value", value, "an age in years: 50 or P50Y")
            return
        years = int(match[1] or match[2])
        bounds = {
            "=": (years, years),
            ">=": (years, None),
            ">": (years + 1, None),
            "<=": (None, years),
            "<": (None, years - 1),
        }.get(operator)
        if bounds is None:
            self.bad(locator, "operator", operator, "one of =, <, <=, >, >= ('!' is not offered)")
            return
        low, high = bounds
        if low is not None:
            self.age_min = max(low, self.age_min or 0)
        if high is not None:
            self.age_max = high if self.age_max is None else min(high, self.age_max)

    def oncotree_term(self, locator: str, code: str, item: Mapping[str, Any]) -> None:
        try:
            node, _ = oncotree.tumor_type(code, source=self.source, locator=locator)
        except InputError as error:
            self.problems.extend(error.problems)
            return
        descendants = item.get("includeDescendantTerms", True) is not False
        self.tumours.append(TumourType(code=node.code, descendants=descendants))

    def sex_term(self, locator: str, value: str, _item: Mapping[str, Any]) -> None:
        sex = _SEX_WORDS.get(value.lower())
        if sex is None:
            self.bad(locator, "id", f"sex:{value}", "sex:female, sex:male or sex:other")
        else:
            self._set_sex(locator, sex)

    def ncit_term(self, locator: str, value: str, _item: Mapping[str, Any]) -> None:
        sex = SEX_TERMS.get(f"NCIT:{value.upper()}")
        if sex is None:
            self.bad(locator, "id", f"NCIT:{value}", "NCIT:C16576 (female) or NCIT:C20197 (male)")
        else:
            self._set_sex(locator, sex)

    def _set_sex(self, locator: str, sex: Sex) -> None:
        if self.sex is not None and self.sex != sex:
            self.bad(locator, "id", sex, f"one sex per query (already {self.sex})")
        self.sex = sex

    def stage_term(self, locator: str, value: str, item: Mapping[str, Any]) -> None:
        stage = normalise_stage(value)
        if stage is None:
            self.bad(locator, "id", f"stage:{value}", "an AJCC stage group 0, I–IV (e.g. IIIA)")
            return
        exact = item.get("includeDescendantTerms", True) is False
        self.stages.append(stage[0] if (exact or stage[0] != stage[1]) else stage[1])

    def treatment_term(self, locator: str, value: str, _item: Mapping[str, Any]) -> None:
        if value.lower() not in TREATMENT_CLASSES:
            self.bad(
                locator,
                "id",
                f"treatment:{value}",
                "a treatment class: " + ", ".join(TREATMENT_CLASSES),
            )
            return
        self.classes.append(value.lower())

    def gene_term(self, locator: str, value: str, _item: Mapping[str, Any]) -> None:
        gene, _, protein = value.partition(":")
        self.parameters(
            locator, {"geneId": gene, **({"aminoacidChange": protein} if protein else {})}
        )

    def parameters(self, locator: str, params: Mapping[str, Any]) -> None:
        """Beacon genomicVariations request parameters (sequence or gene queries)."""
        for name, value in params.items():
            setter = _PARAMETERS.get(name)
            if setter is None:
                self.bad(locator, name, value, "one of " + ", ".join(_PARAMETERS))
            elif value not in (None, "", []):
                setter(self, f"{locator}.{name}", value)

    def _gene(self, locator: str, value: Any) -> None:
        text = str(value).strip()
        if not _GENE.match(text):
            self.bad(locator, "geneId", text, "an HGNC gene symbol, e.g. EGFR")
        self.variant["gene"] = text.upper()

    def _protein(self, locator: str, value: Any) -> None:
        try:
            self.variant["protein"] = ProteinChange.parse(str(value)).short
        except InputError:
            self.bad(locator, "aminoacidChange", value, "an HGVS protein change, e.g. L858R")

    def _build(self, locator: str, value: Any) -> None:
        try:
            self.variant["genome_build"] = parse_genome_build(str(value))
        except InputError:
            self.bad(locator, "assemblyId", value, "GRCh37 (hg19) or GRCh38 (hg38)")

    def _chrom(self, locator: str, value: Any) -> None:
        text = str(value).strip()
        chrom = text[3:] if text.lower().startswith("chr") else text
        if not re.fullmatch(r"[0-9]{1,2}|X|Y|MT?", chrom.upper()):
            self.bad(locator, "referenceName", value, "a chromosome: 1–22, X, Y or MT")
        self.variant["chrom"] = "MT" if chrom.upper() in ("M", "MT") else chrom.upper()

    def _start(self, locator: str, value: Any) -> None:
        first = value[0] if isinstance(value, list) and value else value
        try:
            start = int(first)
        except (TypeError, ValueError):
            self.bad(locator, "start", value, "a 0-based integer position")
            return
        if start < 0:
            self.bad(locator, "start", value, "a 0-based position ≥ 0")
        self.variant["pos"] = start + 1  # Beacon start is 0-based; the record is 1-based

    def _bases(self, field: str, key: str) -> Any:
        def setter(self: _Reader, locator: str, value: Any) -> None:
            text = str(value).strip().upper()
            if not _BASES.match(text):
                self.bad(locator, field, value, "bases A, C, G, T or N")
            self.variant[key] = text

        return setter

    def query(self) -> CohortQuery:
        variant = self._variant()
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            self.bad(
                "age", "age", f"{self.age_min}-{self.age_max}", "a minimum not above the maximum"
            )
        if self.problems:
            raise InputError(f"{len(self.problems)} problem(s) in the query", self.problems)
        return CohortQuery(
            tumor_types=tuple(self.tumours),
            sex=self.sex,
            age_min=self.age_min,
            age_max=self.age_max,
            treatment_classes=tuple(dict.fromkeys(self.classes)),
            stages=tuple(dict.fromkeys(self.stages)),
            variant=variant,
        )

    def _variant(self) -> VariantCriterion | None:
        if not self.variant:
            return None
        located = {"chrom", "pos", "ref", "alt"} & set(self.variant)
        if located and not {"chrom", "pos"} <= set(self.variant):
            self.bad(
                "requestParameters",
                "referenceName/start",
                self.variant,
                "both, for a sequence query",
            )
        if located and "genome_build" not in self.variant:
            # a position means nothing without its build, and no build is assumed
            self.bad("requestParameters", "assemblyId", "", "the genome build of the position")
        if "protein" in self.variant and "gene" not in self.variant:
            self.bad("requestParameters", "geneId", "", "the gene of the protein change")
        if self.problems:
            return None
        return VariantCriterion(**self.variant)


_PARAMETERS: dict[str, Any] = {
    "geneId": _Reader._gene,
    "aminoacidChange": _Reader._protein,
    "assemblyId": _Reader._build,
    "referenceName": _Reader._chrom,
    "start": _Reader._start,
    "referenceBases": _Reader._bases(_Reader, "referenceBases", "ref"),  # type: ignore[arg-type]
    "alternateBases": _Reader._bases(_Reader, "alternateBases", "alt"),  # type: ignore[arg-type]
}
_TERM_HANDLERS: dict[str, Any] = {
    "oncotree": _Reader.oncotree_term,
    "sex": _Reader.sex_term,
    "ncit": _Reader.ncit_term,
    "stage": _Reader.stage_term,
    "treatment": _Reader.treatment_term,
    "gene": _Reader.gene_term,
}
_EXPECTED_TERM = (
    "a filtering term from /api/beacon/filtering_terms: oncotree:<code>, NCIT:C16576, "
    "NCIT:C20197, sex:<female|male|other>, stage:<group>, treatment:<class>, gene:<symbol>[:<p.>]"
)


def read_query(
    filters: Sequence[object] = (),
    parameters: Mapping[str, Any] | None = None,
    *,
    source: str = "request",
) -> CohortQuery:
    """Beacon ``filters`` and ``requestParameters`` → one query; every bad term is reported."""
    reader = _Reader(source)
    for number, raw in enumerate(filters):
        reader.filter(f"filters[{number}]", raw)
    if parameters:
        reader.parameters("requestParameters", parameters)
    return reader.query()


def codes_under(tumour: TumourType) -> list[str]:
    """The code and, unless exact, its descendants, in every shipped OncoTree release."""
    return sorted(_codes_under(tumour.code, tumour.descendants))


@cache
def _codes_under(code: str, descendants: bool) -> frozenset[str]:
    found: set[str] = set()
    for release in oncotree.RELEASES:
        tree = oncotree.load(release)
        node = tree.get(code)
        if node is not None:
            found.add(node.code)
            if descendants:
                found |= {n.code for n in tree.descendants(node.code)}
    return frozenset(found)


def filtering_terms() -> list[dict[str, Any]]:
    """Every term a site understands, in Beacon ``FilteringTerm`` form (fixed vocabulary)."""
    tree = oncotree.load(oncotree.DEFAULT_RELEASE)
    scope = ["individual", "genomicVariant"]
    terms: list[dict[str, Any]] = [
        {"type": "ontologyTerm", "id": f"oncotree:{node.code}", "label": node.name, "scopes": scope}
        for node in sorted(tree.nodes.values(), key=lambda n: n.code)
        if node.code != oncotree.ROOT
    ]
    terms += [
        {"type": "ontologyTerm", "id": term, "label": sex, "scopes": scope}
        for term, sex in SEX_TERMS.items()
    ]
    terms.append({"type": "custom", "id": "sex:other", "label": "other sex", "scopes": scope})
    terms += [
        {
            "type": "custom",
            "id": f"stage:{g}",
            "label": f"AJCC stage {g} (with sub-groups)",
            "scopes": scope,
        }
        for g in STAGE_GROUPS
    ]
    terms += [
        {"type": "custom", "id": f"treatment:{c.slug}", "label": c.label, "scopes": scope}
        for c in TREATMENT_CLASSES.values()
    ]
    terms.append(
        {"type": "alphanumeric", "id": "age", "label": "age in years (P50Y or 50)", "scopes": scope}
    )
    terms.append(
        {
            "type": "custom",
            "id": "gene:<HGNC symbol>[:<protein change>]",
            "label": "individuals with a recorded variant in the gene",
            "scopes": scope,
        }
    )
    return terms
