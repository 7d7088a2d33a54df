# SPDX-License-Identifier: Apache-2.0
"""Read tables out of server-rendered HTML with the standard library parser."""

from __future__ import annotations

from html.parser import HTMLParser


class _Table(HTMLParser):
    """Collects the rows of one table; a provenance cell reads as its ``<summary>`` only."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.depth = 0
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.details = 0
        self.summary = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and (self.depth or dict(attrs).get("id") == self.table_id):
            self.depth += 1
        elif not self.depth:
            return
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag in ("details", "summary"):
            setattr(self, tag, getattr(self, tag) + 1)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif not self.depth:
            return
        elif tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag in ("details", "summary"):
            setattr(self, tag, getattr(self, tag) - 1)

    def handle_data(self, data: str) -> None:
        if self.cell is not None and (not self.details or self.summary):
            self.cell.append(data)


def table_rows(html: str, table_id: str) -> list[list[str]]:
    """Text of every row (header first) of ``<table id=table_id>``, whitespace folded."""
    parser = _Table(table_id)
    parser.feed(html)
    return parser.rows
