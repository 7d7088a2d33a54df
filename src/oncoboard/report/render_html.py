# SPDX-License-Identifier: Apache-2.0
"""The report as one self-contained HTML document (the PDF's source and the HTML download)."""

from __future__ import annotations

from oncoboard.edge.templates import templates
from oncoboard.report.schemas import Report


def standalone_html(report: Report) -> str:
    """No scripts, no external resources: fonts and styles are the printer's own."""
    return templates.env.get_template("report_print.html").render(report=report)
