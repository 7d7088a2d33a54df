# SPDX-License-Identifier: Apache-2.0
"""How a criterion's answers combine into its state (pure; shared by ``judge`` and the index).

Inclusion: leftover words can only add requirements (a met structured part becomes
needs-review); exclusion: its parts are decided only when they agree (joint conditions and
lists of reasons read alike). Conditional items (a subject clause or a cohort) do not apply when
their subject does not fit, and are read narrowing-only when it is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence

from oncoboard.trials import branches
from oncoboard.trials.schemas import CriterionState

# An unlisted drug or line count in the leftover words may be the alternative that fits: a
# "does not hold" of only these types in a partial inclusion is needs-review. (An unlisted tumour
# type is caught by ``Criterion.open_alternatives``: a tumour type that does not fit decides.)
_OR_PRONE = frozenset({"prior_therapy", "prior_lines"})
# An answer flagged "decisive" rules out the subject of the whole item (a male patient and a
# pregnancy exclusion; another tumour type): an exclusion does not apply whatever the rest says.
DECISIVE = "decisive"


Part = tuple[int, bool | None, str, bool, bool]


# what "(or similar agents)", "or have contraindications", "or are unwilling …" widen
_WIDENED = frozenset({"prior_therapy", "prior_lines", "age"})


def evaluate(
    flags: Sequence[bool], parts: Sequence[Part]
) -> tuple[CriterionState, bool | None, str]:
    """(state, whether the body holds, how it was decided: "", "not applicable", "narrowing")."""
    inclusion, partial, exceptions, alternatives, conditional, subject_partial, widened = flags[:7]
    narrowed = len(flags) > 7 and bool(flags[7])
    if branches.is_branched([p[0] for p in parts]):
        return _branch(flags, parts)
    body = [(g, h, k, d) for g, h, k, d, subject in parts if not subject]
    subject = [(g, h, k, d) for g, h, k, d, is_subject in parts if is_subject]
    fits = _combine(subject)[0] if subject else None
    apart = CriterionState.MET if inclusion else CriterionState.NOT_MET
    if fits is False:
        return apart, None, "not applicable"
    if not body:
        return CriterionState.NEEDS_REVIEW, None, "narrowing"
    holds, failing, decisive = _combine(body)
    if not inclusion and not decisive:
        holds = _agreed(body)
        if holds is None and all(h is not None for _, h, _, _ in body):
            return CriterionState.NEEDS_REVIEW, None, "mixed"
    if any(d and k == "pregnancy" for _, _, k, d in body):
        return apart, holds, "not applicable"  # a man and an item about pregnancy
    if conditional and not (fits is True and not subject_partial):
        return _narrowing(flags, holds, decisive), holds, "narrowing"
    if narrowed and not inclusion and holds is not None:
        # the rest only narrows what was read: absent decides, present needs the qualifier read
        state = CriterionState.NEEDS_REVIEW if holds else CriterionState.NOT_MET
        return state, holds, "narrowed"
    if _left_open(inclusion, partial, widened, holds, failing, body):
        return CriterionState.NEEDS_REVIEW, holds, ""
    state = _decide(inclusion, partial, exceptions, alternatives, holds, failing, decisive)
    return state, holds, ""


def _branch(
    flags: Sequence[bool], parts: Sequence[Part]
) -> tuple[CriterionState, bool | None, str]:
    """An item branching by tumour type (``branches``): the branch that applies, decided with
    the common part as an item of its own."""
    subjects: dict[int, list[tuple[int, bool | None, str, bool]]] = {}
    for group, holds, kind, decisive, subject in parts:
        if subject:
            subjects.setdefault(branches.branch_of(group), []).append(
                (group, holds, kind, decisive)
            )
    named = {k: _combine(v)[0] for k, v in subjects.items()}
    others = sorted({branches.branch_of(p[0]) for p in parts} - set(named) - {0})
    chosen = branches.choose(named, others)
    if chosen == "?":
        return CriterionState.UNKNOWN, None, "branch:?"
    if chosen is None:
        return CriterionState.MET if flags[0] else CriterionState.NOT_MET, None, "not applicable"
    body, unread = branches.regrouped(list(parts), int(chosen))
    if not body:
        return CriterionState.NEEDS_REVIEW, None, f"branch:{chosen}"
    # a branch with nothing read leaves only the common part: it can still fail
    unread = unread or not any(p[0] >= branches.UNREAD for p in body)
    inclusion, partial, exceptions, alternatives, _, _, widened = flags[:7]
    inner = (inclusion, partial or unread, exceptions, alternatives, False, False, widened)
    state, holds, _ = evaluate(inner, body)
    return state, holds, f"branch:{chosen}"


def flip(holds: bool | None, negated: bool) -> bool | None:
    return holds if holds is None or not negated else not holds


def _combine(
    parts: Sequence[tuple[int, bool | None, str, bool]],
) -> tuple[bool | None, set[str], bool]:
    """AND of any-of groups; the types that do not hold; whether a failing group is decisive."""
    groups: dict[int, list[tuple[bool | None, str, bool]]] = {}
    for group, holds, kind, decisive in parts:
        groups.setdefault(group, []).append((holds, kind, decisive))
    holds = _all([_any([h for h, _, _ in values]) for values in groups.values()])
    failing = {kind for _, h, kind, _ in parts if h is False}
    decisive = any(
        all(h is False for h, _, _ in values) and any(d for _, _, d in values)
        for values in groups.values()
    )
    return holds, failing, decisive


def _left_open(
    inclusion: bool,
    partial: bool,
    widened: bool,
    holds: bool | None,
    failing: set[str],
    body: Sequence[tuple[int, bool | None, str, bool]],
) -> bool:
    """A widened therapy/age requirement that does not hold; a therapy holding in a partly
    read exclusion (the unread words often qualify it: "on another study", "for an
    infection")."""
    if widened and inclusion and holds is False and failing <= _WIDENED:
        return True
    holding = {k for _, h, k, _ in body if h is True}
    return not inclusion and bool(holds) and partial and holding <= _OR_PRONE


def _narrowing(flags: Sequence[bool], holds: bool | None, decisive: bool) -> CriterionState:
    """A conditional item whose subject may not fit: only what holds whoever it applies to."""
    inclusion, partial, exceptions, alternatives = flags[:4]
    if holds is None:
        return CriterionState.UNKNOWN
    if inclusion:
        met = holds and not partial and not exceptions
        return CriterionState.MET if met else CriterionState.NEEDS_REVIEW
    clear = holds is False and (not partial or (decisive and not alternatives))
    return CriterionState.NOT_MET if clear else CriterionState.NEEDS_REVIEW


def _agreed(parts: Sequence[tuple[int, bool | None, str, bool]]) -> bool | None:
    """An exclusion's groups may be joint conditions or a list of reasons: it applies when every
    group holds and does not when none does (both readings agree); otherwise it is left open."""
    groups: dict[int, list[bool | None]] = {}
    kinds: dict[int, set[str]] = {}
    for group, holds, kind, _ in parts:
        groups.setdefault(group, []).append(holds)
        kinds.setdefault(group, set()).add(kind)
    # a tumour type next to other parts is their subject ("stage I or IV breast cancer"): when
    # it does not fit, the part is decisive (handled before); when it fits, the rest decides
    qualified = [g for g, k in kinds.items() if k != {"cancer_type"}]
    values = [_any(groups[g]) for g in (qualified or groups)]
    if all(v is True for v in values):
        return True
    if all(v is False for v in values):
        return False
    return None


def _decide(
    inclusion: bool,
    partial: bool,
    exceptions: bool,
    alternatives: bool,
    holds: bool | None,
    failing: set[str],
    decisive: bool,
) -> CriterionState:
    """Inclusion: leftover words can only add requirements; exclusion: only add reasons. A
    decisive structured part decides alone (the unread rest is shown with it)."""
    if holds is None:
        return CriterionState.UNKNOWN
    if inclusion:
        if holds:
            return CriterionState.NEEDS_REVIEW if partial else CriterionState.MET
        # an exception ("except in Gilbert's syndrome …") can only loosen an inclusion
        soft = exceptions or (partial and (alternatives or failing <= _OR_PRONE))
        return CriterionState.NEEDS_REVIEW if soft else CriterionState.NOT_MET
    if holds:
        # … and can only narrow an exclusion
        return CriterionState.NEEDS_REVIEW if exceptions else CriterionState.MET
    if partial and not (decisive and not alternatives):
        return CriterionState.NEEDS_REVIEW
    return CriterionState.NOT_MET


def _any(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


def _all(values: list[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    return True if all(v is True for v in values) else None
