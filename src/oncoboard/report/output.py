# SPDX-License-Identifier: Apache-2.0
"""One report, four formats, one file-naming rule (shared by the web, API and CLI)."""

from __future__ import annotations

from oncoboard.report.render_fhir import fhir_json
from oncoboard.report.render_html import standalone_html
from oncoboard.report.render_pdf import pdf_bytes
from oncoboard.report.schemas import Format, Report
from oncoboard.report.service import canonical_json

MEDIA_TYPES: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json",
    "fhir": "application/fhir+json",
}


def render(report: Report, fmt: Format) -> bytes:
    """The file's bytes; JSON is the canonical (sorted, deterministic) form."""
    if fmt == "json":
        return canonical_json(report)
    if fmt == "fhir":
        return fhir_json(report)
    if fmt == "pdf":
        return pdf_bytes(report)
    return standalone_html(report).encode()
