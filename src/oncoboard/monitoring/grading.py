# SPDX-License-Identifier: Apache-2.0
"""PRO-CTCAE composite grade (0-3) from a symptom term's item scores; pure, no database.

The matrices are the published algorithm: Basch E, Becker C, Rogak LJ, et al. Composite grading
algorithm for the National Cancer Institute's PRO-CTCAE. Clin Trials 2021;18(1):104-114,
doi:10.1177/1740774520975120 (transcribed in clinical-and-regulatory-facts.md §1.2). The
tests compare every one of the 179 combinations with the authors' own table (ProAE).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

from oncoboard.errors import InputError


class Attribute(StrEnum):
    """The attribute an item asks about (PRO-CTCAE item library v1.0)."""

    FREQUENCY = "frequency"
    SEVERITY = "severity"
    INTERFERENCE = "interference"
    AMOUNT = "amount"
    PRESENCE = "presence"


# A term's items are asked in this order; the first one present gates the rest (skip logic).
ORDER = (Attribute.FREQUENCY, Attribute.SEVERITY, Attribute.INTERFERENCE, Attribute.AMOUNT)
GRADED = frozenset(ORDER)
MAX_SCORE = {a: 4 for a in ORDER} | {Attribute.PRESENCE: 1}

# Single-item terms: score 0-4 -> composite (Basch 2021; facts §1.2 first table).
_SINGLE: dict[Attribute, tuple[int, ...]] = {
    Attribute.FREQUENCY: (0, 1, 1, 2, 3),
    Attribute.SEVERITY: (0, 1, 2, 3, 3),
    Attribute.INTERFERENCE: (0, 1, 1, 2, 2),
    Attribute.AMOUNT: (0, 1, 1, 2, 2),  # hair loss "amount" is graded like interference
}

# Two-item terms: row = first item 1-4, column = second item 0-4 (first item 0 -> grade 0).
_TWO: dict[tuple[Attribute, Attribute], tuple[tuple[int, ...], ...]] = {
    (Attribute.FREQUENCY, Attribute.SEVERITY): (
        (1, 1, 1, 2, 2),
        (1, 1, 2, 2, 2),
        (1, 1, 2, 3, 3),
        (1, 1, 2, 3, 3),
    ),
    (Attribute.FREQUENCY, Attribute.INTERFERENCE): (
        (1, 1, 1, 2, 2),
        (1, 1, 1, 2, 2),
        (1, 1, 2, 3, 3),
        (1, 1, 2, 3, 3),
    ),
    (Attribute.SEVERITY, Attribute.INTERFERENCE): (
        (1, 1, 1, 2, 2),
        (1, 1, 2, 2, 3),
        (1, 2, 2, 3, 3),
        (2, 2, 2, 3, 3),
    ),
}

# Three-item terms: one severity (rows 0-4) x interference (columns 0-4) matrix per frequency 1-4.
_THREE: tuple[tuple[tuple[int, ...], ...], ...] = (
    ((0, 1, 1, 2, 2), (1, 1, 1, 2, 2), (1, 2, 2, 2, 3), (2, 2, 2, 3, 3), (2, 2, 3, 3, 3)),
    ((0, 1, 1, 2, 2), (1, 1, 1, 2, 2), (2, 2, 2, 3, 3), (2, 2, 2, 3, 3), (2, 2, 3, 3, 3)),
    ((1, 1, 1, 2, 2), (1, 1, 1, 2, 2), (2, 2, 2, 3, 3), (2, 2, 3, 3, 3), (2, 2, 3, 3, 3)),
    ((1, 1, 1, 2, 2), (1, 1, 2, 2, 3), (2, 2, 2, 3, 3), (2, 2, 3, 3, 3), (2, 2, 3, 3, 3)),
)


def graded_attributes(attributes: Sequence[Attribute]) -> tuple[Attribute, ...]:
    """The term's graded items in asking order (presence items are never graded)."""
    return tuple(a for a in ORDER if a in attributes)


def composite_grade(
    attributes: Sequence[Attribute], scores: Mapping[Attribute, int | None]
) -> int | None:
    """The composite grade of one symptom term, or None when it cannot be computed.

    Parameters
    ----------
    attributes
        The items the term has (e.g. frequency and severity for nausea).
    scores
        The answers, 0-4; None or absent means missing or not applicable.

    Returns
    -------
    0-3, or None when the first item, or an asked follow-on item, is missing. A first item of
    0 gives 0 whatever follows (skip logic; skipped follow-ons are imputed as 0, as ProAE's
    ``toxScores`` optional zero-imputation does).

    Raises
    ------
    InputError
        A score outside 0-4, or a term without graded items.

    Examples
    --------
    >>> composite_grade([Attribute.FREQUENCY, Attribute.SEVERITY],
    ...                 {Attribute.FREQUENCY: 1, Attribute.SEVERITY: 1})
    1
    """
    items = graded_attributes(attributes)
    if not items:
        raise InputError(f"no graded item among {[str(a) for a in attributes]}")
    values = [scores.get(a) for a in items]
    for attribute, value in zip(items, values, strict=True):
        if value is not None and not 0 <= value <= 4:
            raise InputError(f"{attribute} score {value!r} is outside 0-4")
    first, rest = values[0], values[1:]
    if first is None:
        return None
    if first == 0:
        return 0
    if any(v is None for v in rest):
        return None
    return _lookup(items, first, [v for v in rest if v is not None])


def _lookup(items: tuple[Attribute, ...], first: int, rest: list[int]) -> int:
    if len(items) == 1:
        return _SINGLE[items[0]][first]
    if len(items) == 2:
        key = (items[0], Attribute.INTERFERENCE if items[1] == Attribute.AMOUNT else items[1])
        return _TWO[key][first - 1][rest[0]]
    return _THREE[first - 1][rest[0]][rest[1]]
