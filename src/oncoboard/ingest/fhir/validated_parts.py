# SPDX-License-Identifier: Apache-2.0
"""A fast path to the R4B models' verdict: "certainly valid", or "ask the models" (#21).

``fhir.resources`` builds a Python model object per element and runs Python validators on each,
which made R4B validation most of an import's time. This checker walks the plain JSON with the
rules read from the *same* R4B model classes (field names, list or single, required fields,
required primitive elements, ``value[x]`` choice groups, unknown keys refused) and checks every
primitive value with a pydantic ``TypeAdapter`` of the field's own R4B type, so a primitive rule
(date, code, decimal, id …) is the model's own, cached per distinct value. It answers True only
where each rule it applies is one the models apply; anything it does not model — a
``_field`` primitive extension, a contained resource, a null, an empty list, a field given by its
Python name — answers False, and the caller then validates with the models, whose verdict and
located errors stand. So the verdict is always the models': tested for equality on every real
file and on mutated copies (``tests/ingest/test_fhir_validated_parts.py``).
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, Literal

from fhir_core.fhirabstractmodel import FHIRAbstractModel
from fhir_core.types import FhirBase, FhirElementOrResourceBase
from pydantic import TypeAdapter, ValidationError

Model = type[FHIRAbstractModel]
# models whose own validators this checker does not repeat: always left to the models
_OWN_VALIDATORS = frozenset({"FHIRPrimitiveExtension"})


@dataclass(frozen=True)
class _Field:
    many: bool
    element: Model | None  # a complex element's model, or None for a primitive
    primitive: TypeAdapter[Any] | None
    # the primitive type's verdicts on values seen before, shared by every field of that type
    verdicts: dict[object, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class _Rules:
    fields: dict[str, _Field]
    required: tuple[str, ...]
    choices: tuple[tuple[frozenset[str], bool], ...]  # (JSON names, one required)


# A primitive type's verdict depends on the value only, so verdicts are kept for the process, per
# type: a string is its own key, any other value ``(type, repr)`` (so 1, 1.0 and True differ).
# Bounded: a type's verdicts are emptied at the cap; long strings (narratives) are not kept.
_VERDICTS_CAP = 100_000
_LONGEST_KEPT = 512


@dataclass
class ValidatedParts:
    """The fast path, one per import (the rules and the primitive verdicts are shared).

    An accepted resource has had every JSON object in it visited, so while ``collect`` is on
    (the reader sets it while it indexes one Bundle's entries, all alive till it is done) the
    objects holding a string ``reference`` are noted on the way (``references``, by ``id`` of
    the resource): the count of references leaving the bundle need not walk them again.
    """

    collect: bool = False
    references: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    _found: list[dict[str, Any]] = field(default_factory=list)

    def accepts(self, model: Model, resource: dict[str, Any]) -> bool:
        """True only when the R4B ``model`` would accept ``resource``; False: "ask the models"."""
        self._found = []
        accepted = self._element(model, resource)
        if accepted and self.collect:
            self.references[id(resource)] = self._found
        return accepted

    def _element(self, model: Model, data: dict[str, Any]) -> bool:
        rules = _RULES.get(model) or rules_of(model)
        if rules is None:
            return False
        if isinstance(data.get("reference"), str):
            self._found.append(data)  # in document order, as references._walk finds them
        fields = rules.fields
        for name, value in data.items():
            spec = fields.get(name)
            if spec is None or value is None:
                return False
            if spec.many:
                if not self._items(spec, value):
                    return False
            elif not (type(value) is str and spec.verdicts.get(value)) and not self._value(
                spec, value
            ):
                return False  # (a string this primitive type accepted before passes at once)
        return _complete(rules, data)

    def _items(self, spec: _Field, value: Any) -> bool:
        if not isinstance(value, list) or not value:
            return False  # an empty list, or one where a single value is due: the models decide
        return all(self._value(spec, item) for item in value)

    def _value(self, spec: _Field, value: Any) -> bool:
        if spec.element is not None:
            return isinstance(value, dict) and self._element(spec.element, value)
        if isinstance(value, (dict, list)) or value is None or spec.primitive is None:
            return False
        verdicts = spec.verdicts
        key = value if type(value) is str else (type(value), repr(value))
        known = verdicts.get(key)
        if known is None:
            try:
                spec.primitive.validate_python(value)
                known = True
            except (ValidationError, ValueError, TypeError):
                known = False
            if type(value) is not str or len(value) <= _LONGEST_KEPT:
                if len(verdicts) >= _VERDICTS_CAP:
                    verdicts.clear()
                verdicts[key] = known
        return known


def _complete(rules: _Rules, data: dict[str, Any]) -> bool:
    """Required elements present; at most one (or exactly one, if required) per value[x]."""
    for name in rules.required:
        if data.get(name) is None:
            return False
    for names, required in rules.choices:
        present = len(names & data.keys())
        if present > 1 or (required and present == 0):
            return False
    return True


_RULES: dict[Model, _Rules] = {}


@cache
def rules_of(model: Model) -> _Rules | None:
    """The rules the R4B ``model`` applies, read from its fields; None when not modelled here."""
    if model.__name__ in _OWN_VALIDATORS:
        return None
    rules = _read_rules(model)
    _RULES[model] = rules
    return rules


def _read_rules(model: Model) -> _Rules:
    fields: dict[str, _Field] = {}
    required: list[str] = []
    choices: dict[str, tuple[list[str], bool]] = {}
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if not extra.get("element_property", False) and not name.endswith("__ext"):
            continue  # fhir_comments: left to the models
        json_name = info.alias or name
        spec = _field_spec(info.annotation, list(info.metadata))
        if spec is not None:
            fields[json_name] = spec
        if info.is_required() or extra.get("element_required"):
            required.append(json_name)
        prefix = extra.get("one_of_many")
        if isinstance(prefix, str):
            names, _ = choices.get(prefix, ([], False))
            names.append(json_name)
            choices[prefix] = (names, extra.get("one_of_many_required") is True)
    resource_type = model.__resource_type__ if model.has_resource_base() else None
    if resource_type is not None:  # a resource names its own type; an element has no resourceType
        named = Literal[resource_type]  # type: ignore[valid-type]
        fields["resourceType"] = _Field(False, None, _adapter(named), _verdicts(named))
    return _Rules(
        fields=fields,
        required=tuple(required),
        choices=tuple((frozenset(n), r) for n, r in choices.values()),
    )


def _field_spec(annotation: Any, metadata: list[Any]) -> _Field | None:
    """How one field is checked; None (key refused, so the models decide) when not modelled."""
    inner, many = _unwrap(annotation)
    if inner is None or (many and metadata):
        return None
    if isinstance(inner, type) and issubclass(inner, FhirBase):
        if issubclass(inner, FhirElementOrResourceBase):
            return None  # any resource type (contained): left to the models
        return _Field(many=many, element=inner.get_model_klass(), primitive=None)
    typed = Annotated[inner, *metadata] if metadata else inner
    return _Field(many=many, element=None, primitive=_adapter(typed), verdicts=_verdicts(typed))


@cache
def _adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)


@cache
def _verdicts(annotation: Any) -> dict[object, bool]:
    return {}


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """``(item type, is a list)`` for ``T``, ``Optional[T]``, ``Optional[List[Optional[T]]]``."""
    many = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is list:
            if many:
                return None, many
            many = True
            (annotation,) = typing.get_args(annotation)
            continue
        if origin is typing.Union or origin is types.UnionType:
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return None, many
            annotation = args[0]
            continue
        return annotation, many
