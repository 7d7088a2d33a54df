# SPDX-License-Identifier: Apache-2.0
"""The PDF: WeasyPrint with Debian fonts, one page rendered to PNG with poppler's pdftoppm."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine

from oncoboard.report.output import render
from oncoboard.report.render_pdf import unavailable_reason
from oncoboard.report.service import file_name
from tests.report.clinical_support import load_demo_cohort
from tests.report.conftest import RELEASE, build
from tests.support import require_or_skip

pytestmark = pytest.mark.shared
# the @page footer: "OncoBoard <v> · <patient> · content sha256 <16 hex>" and "page N of M"
FOOTER = re.compile(r"(OncoBoard \S+ · \S+ · content sha256 [0-9a-f]{16}|page \d+ of \d+)")


def test_pdf_renders_and_its_first_page_converts_to_png(cohort: Engine, tmp_path: Path) -> None:
    reason = unavailable_reason()
    require_or_skip(reason is None, reason or "")
    report = build(cohort, "demo-002", kb=[RELEASE])
    pdf = tmp_path / file_name(report, "pdf")
    assert pdf.name == "demo-002.oncoboard.GRCh38.report.pdf"
    pdf.write_bytes(render(report, "pdf"))
    assert pdf.read_bytes().startswith(b"%PDF-")
    pdftoppm = shutil.which("pdftoppm")
    require_or_skip(pdftoppm is not None, "pdftoppm not found (Debian package poppler-utils)")
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        text = subprocess.run(
            [pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert "Osimertinib" in text and "MET amplification" in text
        assert "research use only" in text and "Not evaluated and why" in text
    subprocess.run(
        [str(pdftoppm), "-r", "80", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    (png,) = tmp_path.glob("page*.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    keep = os.environ.get("ONCOBOARD_KEEP_REPORT_PNG")
    if keep:  # to look at the page by eye after a run
        shutil.copy(png, keep)


def test_no_pdf_page_holds_only_the_footer(engine: Engine, tmp_path: Path) -> None:
    """Newcomer review (#17): page 2 of the PDF held only the footer."""
    reason = unavailable_reason()
    require_or_skip(reason is None, reason or "")
    pdftotext = shutil.which("pdftotext")
    require_or_skip(pdftotext is not None, "pdftotext not found (Debian package poppler-utils)")
    load_demo_cohort(engine)  # with the shipped CIViC and CGI releases
    for patient in ("demo-001", "demo-002", "demo-003"):
        pdf = tmp_path / f"{patient}.pdf"
        pdf.write_bytes(render(build(engine, patient), "pdf"))
        pages = subprocess.run(
            [str(pdftotext), "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout.split("\f")
        pages = [p for p in pages if p.strip()] if pages[-1].strip() == "" else pages
        assert len(pages) >= 2, patient
        for number, text in enumerate(pages, start=1):
            body = [
                line
                for line in text.splitlines()
                if line.strip()
                and "content sha256" not in line
                and not line.strip().startswith("page ")
            ]
            assert body, f"{patient}: page {number} holds only the footer"
