# SPDX-License-Identifier: Apache-2.0
"""Items that branch by tumour type: "Patients with NSCLC must …; other patients must …",
"Non-small cell lung cancer: …; ii. Pancreatic cancer: …; iii. Other tumors: …".

Each branch is read on its own: a named branch has a tumour-type subject, the "other" branch
applies when none of the named ones fits. The branch a constraint belongs to travels in its
any-of group number (so the stored plans and the registry index need nothing new): group =
branch × ``BRANCH`` + ``UNREAD`` when that branch has words no rule read + the plain group (the
subject's 1000 added as for any subject clause). Branch 0 is the text before the first branch,
which every patient must meet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from oncoboard.trials.schemas import ConstraintResult, Criterion, CriterionState, Structured

P = tuple[Any, ...]  # a decide.Part: (group, holds, kind, decisive, subject)

BRANCH = 10_000
UNREAD = 500
_SUBJECT = 1000

# a branch starts a sentence or a ";"-part, after an optional "ii." / "b)" / "2." marker
_START = r"(?:^|(?<=[.;])\s+|(?<=[.;]))\s*(?:(?:[ivx]{1,4}|[a-h]|\d{1,2})[.)]\s+)?"
_OTHER = re.compile(
    _START
    + r"(?P<head>(?:for\s+)?(?:(?:all\s+)?other|remaining)\s+(?:types?\s+of\s+)?(?:solid\s+)?"
    r"(?:patients|subjects|participants|tumou?rs|cancers|malignancies)\b|(?:for\s+)?(?:patients|"
    r"subjects|participants)\s+with\s+(?:any\s+)?other\s+(?:types?\s+of\s+)?(?:solid\s+)?"
    r"(?:tumou?rs|cancers|malignancies)\b)[^.;:]{0,40}?(?:\s*,?\s*(?:must|should|are required to|"
    r"need to)\b|\s*:)",
    re.IGNORECASE,
)
_NAMED = re.compile(
    _START + r"(?P<head>(?i:(?:for\s+)?(?:patients|subjects|participants)\s+with\s+"
    r"(?P<subject>[^.;:]{3,120}?)\s*,?\s*(?:must|should|are required to|need to)\b)|"
    r"(?P<label>[A-Z][A-Za-z \-/()]{2,60}?)\s*:(?=\s))",
)

_LEADING_OTHER = re.compile(r"^\s*(?:all\s+)?other\b", re.IGNORECASE)


_SUBJECT_HEAD = re.compile(r"(?i:for\s+)?(?i:patients|subjects|participants)\b")


@dataclass(frozen=True)
class Branch:
    """One branch: its whole span, its body (after the head) and its subject (named only)."""

    start: int
    body_start: int
    end: int
    subject: tuple[int, int] | None  # None: the "other" branch


def split(text: str) -> list[Branch] | None:
    """The branches of an item that names ≥ 2 (at least one by tumour type), else None."""
    # (where its marker starts, where its head starts, where its body starts, its subject)
    heads: list[tuple[int, int, int, tuple[int, int] | None]] = []
    for m in _OTHER.finditer(text):
        heads.append((m.start(), m.start("head"), m.end(), None))
    for m in _NAMED.finditer(text):
        if any(s <= m.start("head") < e for _, s, e, _ in heads):
            continue
        name = "subject" if m["subject"] else "label"
        heads.append((m.start(), m.start("head"), m.end(), (m.start(name), m.end(name))))
    heads.sort()
    named = [h for h in heads if h[3] is not None]
    others = sum(1 for h in heads if h[3] is None)
    if len(heads) < 2 or not named or others > 1:
        return None
    # "Breast cancer: …; Gastric cancer: …" with no "other" branch may be the list of tumour
    # types the trial takes, not conditions on some patients: left for review
    if not others and any(not _SUBJECT_HEAD.match(text, h[1]) for h in named):
        return None
    out = []
    for i, (_, start, body, subject) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else len(text)
        out.append(Branch(start, body, end, subject))
    return out


def group(branch: int, plain: int, unread: bool) -> int:
    """The any-of group number of a constraint read in ``branch``."""
    return branch * BRANCH + (UNREAD if unread else 0) + plain


def branch_of(group_number: int) -> int:
    return group_number // BRANCH


def unread_in(group_number: int) -> bool:
    return (group_number % BRANCH) % _SUBJECT >= UNREAD


def is_branched(groups: list[int]) -> bool:
    return any(g >= BRANCH for g in groups)


Reader = Callable[[str, bool], tuple[list[Structured], list[str]]]


def _pad(text: str, start: int, end: int) -> str:
    """The span alone, at its place (offsets and evidence stay those of the item)."""
    return " " * start + text[start:end] + " " * (len(text) - end)


def read(
    text: str, found: list[Branch], reader: Reader
) -> tuple[tuple[Structured, ...], list[str]] | None:
    """Every branch's constraints (group numbers carrying the branch) and the words no rule read
    before the first branch; None when a named branch's subject is not a tumour type alone or
    the "other" branch has nothing read (the item then stays for review)."""
    preamble, before = reader(_pad(text, 0, found[0].start), False)
    out = [s.model_copy(update={"group": group(0, s.group, False)}) for s in preamble]
    for k, branch in enumerate(found, 1):
        part = _pad(text, branch.body_start, branch.end)
        if branch.subject is None:  # "Other tumors: Other advanced solid tumors …": not a
            part = _LEADING_OTHER.sub(lambda m: " " * len(m.group(0)), part, count=1)  # 2nd cancer
        body, residual = reader(part, False)
        if branch.subject is None and not body:
            return None
        parts = list(body)
        if branch.subject is not None:
            subject, unread = reader(_pad(text, *branch.subject), True)
            if not subject or unread or any(s.constraint.type != "cancer_type" for s in subject):
                return None
            parts += subject
        out += [s.model_copy(update={"group": group(k, s.group, bool(residual))}) for s in parts]
    return tuple(out), before


def _plain(group_number: int) -> int:
    return (group_number % BRANCH) % UNREAD


def choose(subjects: dict[int, bool | None], others: list[int]) -> int | str | None:
    """The branch that applies: the first named one whose tumour type fits, else the "other"
    one once no named one fits; "?" while a tumour type is unknown; None: no branch applies."""
    fitting = [k for k in sorted(subjects) if subjects[k] is True]
    if fitting:
        return fitting[0]
    if any(v is None for v in subjects.values()):
        return "?"
    return others[0] if others else None


def regrouped(parts: list[P], chosen: int) -> tuple[list[P], bool]:
    """The common part and the chosen branch's body as one item's parts (subject dropped), and
    whether that branch has unread words."""
    out, unread = [], False
    for part in parts:
        k = branch_of(part[0])
        if k == chosen:
            unread = unread or unread_in(part[0])
        if k == 0 or (k == chosen and not part[-1]):
            out.append((_plain(part[0]) + (UNREAD if k else 0), *part[1:]))
    return out, unread


def reason(
    criterion: Criterion,
    answers: Sequence[ConstraintResult],
    mode: str,
    state: CriterionState,
    generic: str,
) -> str:
    """Which branch applied and why, then what was read in it (and the common part)."""
    chosen = mode.partition(":")[2]
    pairs = list(zip(criterion.constraints, answers, strict=True))
    named = [(s, a) for s, a in pairs if s.subject]
    if chosen == "?":
        facts = "; ".join(dict.fromkeys(a.reason for _, a in named))
        return f"the item branches by tumour type; which branch applies is not known ({facts})"
    k = int(chosen)
    mine = [(s, a) for s, a in named if branch_of(s.group) == k]
    if mine:
        whom = " or ".join(s.evidence.strip() for s, _ in mine)
        why = "; ".join(a.reason for _, a in mine)
    else:
        listed = ", ".join(dict.fromkeys(s.evidence.strip() for s, _ in named))
        whom, why = (
            f"other tumour types (not {listed})",
            "; ".join(dict.fromkeys(a.reason for _, a in named)),
        )
    said = "; ".join(
        f"{'negated — ' if s.negated else ''}{a.reason}"
        for s, a in pairs
        if not s.subject and branch_of(s.group) in (0, k)
    )
    if state is CriterionState.NEEDS_REVIEW:
        said = f"{said or 'nothing read'}; the rest of the text needs review"
    elif state is CriterionState.UNKNOWN:
        said = generic
    return f"branch for {whom} applies ({why}): {said}"
