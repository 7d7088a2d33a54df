# SPDX-License-Identifier: Apache-2.0
"""Split CT.gov eligibility text into inclusion and exclusion items with their offsets.

The registry's text is markdown-ish: "Inclusion Criteria:" / "Exclusion Criteria:" headings
(also "Key …", upper case, full-width colons), items as ``*`` or ``-`` bullets or numbers
("1.", "1)", "1\\." escaped), nested sub-bullets indented, continuation lines indented under
their item, and markdown escapes (``\\>``, ``\\^``). Offsets always point into the raw text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from oncoboard.trials.schemas import Section

_HEADING = re.compile(
    r"^\W*(?:key\s+)?(?P<kind>inclusion|exclusion)\s+criteria\s*[:：]?\W*$", re.IGNORECASE
)
_INTRO = re.compile(
    r"(?:following\s+(?:inclusion|exclusion)?\s*criteria|excluded if|"
    r"meet all the following|any of the following criteria)",
    re.IGNORECASE,
)
_BULLET = re.compile(
    r"^(?P<indent>[ \t]*)(?P<mark>[*•\-]\s*(?:\d+\\?[.)]\s*)?|\d+\\?[.)]\s*|"
    r"[a-zA-Z]\\?[.)]\s+|(?:i{1,4}|iv|v|vi{1,3})\\?[.)]\s+)(?=\S)"
)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>^|~])")
_COHORT_WORD = re.compile(r"\b(?:part|cohort)s?\b", re.IGNORECASE)
_FULL_WIDTH = str.maketrans({"：": ":", "；": ";", "，": ", ", "（": "(", "）": ")", "．": "."})


@dataclass
class Item:
    """One criterion as found: raw span, cleaned text, depth and the heading it sits under."""

    section: Section
    start: int
    end: int
    raw: str
    depth: int
    context: str = ""
    children: list[Item] = field(default_factory=list)

    @property
    def text(self) -> str:
        return clean(self.raw)


def clean(text: str) -> str:
    """Unescape markdown, normalise full-width punctuation and whitespace; drop the bullet."""
    body = _BULLET.sub("", text.strip(), count=1)
    body = _ESCAPE.sub(r"\1", body).translate(_FULL_WIDTH)
    return re.sub(r"\s+", " ", body).strip()


def split(text: str) -> list[Item]:
    """Items in order; text before any heading counts as inclusion (CT.gov lists it first)."""
    items: list[Item] = []
    section: Section = "inclusion"
    context = ""
    stack: list[Item] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        start, offset = offset, offset + len(line)
        stripped = line.strip()
        if not stripped:
            continue
        heading = _HEADING.match(stripped)
        if heading:
            section = "exclusion" if heading.group("kind").lower() == "exclusion" else "inclusion"
            context, stack = "", []
            continue
        lead = len(line) - len(line.lstrip(" \t"))
        bullet = _BULLET.match(line)
        if bullet is None and stack and (lead > 0 or stripped.upper().startswith(("NOTE", "OR"))):
            _extend(stack[-1], start + lead, start + len(line.rstrip()), text)
            continue
        if bullet is None and _is_intro(stripped):
            context = clean(stripped) if _COHORT_WORD.search(stripped) else ""
            stack = []
            continue
        depth = lead // 2 if bullet else 0
        while stack and stack[-1].depth >= depth:
            stack.pop()
        parent = stack[-1] if stack else None
        item = Item(
            section=section,
            start=start + lead,
            end=start + len(line.rstrip()),
            raw=line.strip(),
            depth=depth,
            context=_context_for(parent, context),
        )
        (parent.children if parent else items).append(item)
        stack.append(item)
    return _flatten(items)


def _is_intro(line: str) -> bool:
    """A sentence introducing a list ("Subjects will be excluded if …:", "Part 1 … ONLY:")."""
    listing = line.endswith((":", "：")) and bool(_COHORT_WORD.search(line))
    return listing or bool(
        _INTRO.search(line) and len(line) < 160 and line.endswith((":", "：", "."))
    )


def _context_for(parent: Item | None, context: str) -> str:
    if parent is not None and parent.text.endswith(":"):
        return " ".join(filter(None, (parent.context, parent.text)))
    return parent.context if parent is not None else context


def _extend(item: Item, start: int, end: int, text: str) -> None:
    item.end = max(item.end, end)
    item.raw = text[item.start : item.end]


def _flatten(top: list[Item]) -> list[Item]:
    out: list[Item] = []

    def walk(item: Item) -> None:
        out.append(item)
        for child in item.children:
            walk(child)

    for item in top:
        walk(item)
    return out
