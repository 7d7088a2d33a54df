# SPDX-License-Identifier: Apache-2.0
"""The report as PDF via WeasyPrint (needs Pango and fonts from Debian; see docs).

Debian packages: libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core.
The stylesheet names DejaVu Sans, so the output does not depend on whatever else is installed.
"""

from __future__ import annotations

from oncoboard.errors import FeatureUnavailable
from oncoboard.report.render_html import standalone_html
from oncoboard.report.schemas import Report


class PdfUnavailable(FeatureUnavailable):
    """WeasyPrint or the system libraries it loads are missing."""

    title = "PDF rendering unavailable"


def unavailable_reason() -> str | None:
    """None when WeasyPrint can render here; otherwise what is missing."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:
        return (
            f"WeasyPrint cannot load ({error}); install the 'weasyprint' Python package and "
            "the Debian packages libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"
        )
    return None


def pdf_bytes(report: Report) -> bytes:
    reason = unavailable_reason()
    if reason is not None:
        raise PdfUnavailable(reason)
    from weasyprint import HTML

    rendered = HTML(string=standalone_html(report)).write_pdf()
    assert rendered is not None
    return bytes(rendered)
