# SPDX-License-Identifier: Apache-2.0
"""Whether the unread words of an item name alternatives of what was read ("NSCLC or thymoma"):
a read tumour type or gene that does not hold is then not decisive."""

from __future__ import annotations

import re

from oncoboard.trials.vocabulary import GENES

_ALTERNATIVE = re.compile(
    r"carcinoma|cancer|tumou?r|neoplasm|malignan|sarcoma|lymphoma|leuka?emia|melanoma|"
    r"mesothelioma|glioma|\w+oma$|mutation|alteration|fusion|amplification|rearrangement",
    re.IGNORECASE,
)
# a gene symbol: a known one, or letters followed by a number ("RAF1", "FGFR2", "NTRK3")
_GENE_LIKE = re.compile(rf"(?:{'|'.join(sorted(GENES))})|[A-Z]{{2,5}}\d{{1,2}}[A-Z]?")


def open_alternatives(
    text: str, residual: list[str], read: list[tuple[int, int]] | None = None
) -> bool:
    """Unread words of the same kind as the read ones, joined by "or" ("NSCLC or mesothelioma");
    an "or" inside a read phrase ("KRAS, NRAS and/or BRAF mutations") joins nothing unread."""
    unread = list(text)
    for start, end in read or []:
        unread[start:end] = " " * (end - start)
    if not re.search(r"\bor\b|\beither\b|/", "".join(unread)):
        return False
    words = {w for w in residual if _ALTERNATIVE.search(w) or _GENE_LIKE.fullmatch(w)}
    return any(_listed(text, m.start(), m.end()) for w in words for m in _whole(w).finditer(text))


# what an unread tumour or gene word hangs on when it qualifies the read one ("imaging suggestive
# of adenocarcinoma", "confirmed as adenocarcinoma") rather than standing beside it in a list
_LINK = (
    r"(?:of|with|by|for|in|on|as|to|showing|suggestive|consistent|compatible|confirmed|proven|"
    r"expressing|harbou?ring|from|including|like)"
)
_JOINED_BEFORE = re.compile(
    rf"(?:\bor\b|\bnor\b|/|,)\s*(?:(?!{_LINK}\b)[\w-]+\s+){{0,3}}$", re.IGNORECASE
)
_JOINED_AFTER = re.compile(
    rf"^(?:\s+(?!{_LINK}\b)[\w-]+){{0,3}}\s*(?:\bor\b|\bnor\b|/|,)", re.IGNORECASE
)


def _whole(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")


def _listed(text: str, start: int, end: int) -> bool:
    """Whether the word at [start, end) stands in an "or"/comma list (an alternative)."""
    before = text[max(0, start - 80) : start]
    after = text[end : end + 80]
    return bool(_JOINED_BEFORE.search(before) or _JOINED_AFTER.search(after))
