# SPDX-License-Identifier: Apache-2.0
"""Small conversions of Phenopacket building blocks (ontology terms, time elements) to text."""

from __future__ import annotations

from typing import Any

# Protobuf message classes carry no useful static types here; these helpers take them as Any.
Message = Any


def label(term: Message) -> str | None:
    """An OntologyClass as its label, else its CURIE; None when unset."""
    return str(term.label or term.id) or None


def curie(term: Message) -> str | None:
    return str(term.id) or None


def prefix(term: Message) -> str | None:
    """``NCIT`` of ``NCIT:C7541`` — the terminology a code comes from."""
    head, sep, _ = str(term.id).partition(":")
    return head if sep else None


def stamp(timestamp: Message) -> str:
    """ISO date for midnight timestamps (how the examples give dates), else the full instant."""
    text = str(timestamp.ToJsonString())
    return text[:10] if text[10:] == "T00:00:00Z" else text


def time_text(element: Message) -> str | None:
    """A TimeElement as text: a date, or ``age P4M`` when only the age is known (never guessed)."""
    which = element.WhichOneof("element")
    if which == "timestamp":
        return stamp(element.timestamp)
    if which == "interval":
        return stamp(element.interval.start)
    if which == "age":
        return f"age {element.age.iso8601duration}"
    if which == "age_range":
        rng = element.age_range
        return f"age {rng.start.iso8601duration} to {rng.end.iso8601duration}"
    if which == "gestational_age":
        return f"gestational age {element.gestational_age.weeks}w{element.gestational_age.days}d"
    if which == "ontology_class":
        return label(element.ontology_class)
    return None


def has(message: Message, field: str) -> bool:
    return bool(message.HasField(field))


def scope(where: str) -> str:
    """``members[1]`` for notes about a cohort member; ``phenopacket`` for a single one."""
    return where.rstrip(".") or "phenopacket"
