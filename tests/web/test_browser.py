# SPDX-License-Identifier: Apache-2.0
"""The pages in a real browser (Debian chromium driven by Playwright), desktop and 360 px wide."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import LiveServer
from tests.support import import_file

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HEADER = (
    "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\t"
    "Tumor_Seq_Allele2\tTumor_Sample_Barcode\tt_depth\tt_alt_count\tHGVSc\tHGVSp_Short\t"
    "Variant_Classification\tTranscript_ID\n"
)
SCREENSHOTS = os.environ.get("ONCOBOARD_SCREENSHOTS")  # set to keep the screenshots somewhere


def _cohort(tmp_path: Path) -> Path:
    """30 patients; PT-07 carries BRAF V600E and KRAS G12D (lines 2 and 3 of the file)."""
    rows = [
        "BRAF\tGRCh37\t7\t140453136\tA\tT\tPT-07\t120\t54\tc.1799T>A\tp.V600E\tMissense_Mutation\tENST00000288602\n",
        "KRAS\tGRCh37\t12\t25398284\tC\tT\tPT-07\t80\t20\tc.35G>A\tp.G12D\tMissense_Mutation\tENST00000256078\n",
    ] + [
        f"TP53\tGRCh37\t17\t{7577120 + n}\tC\tT\tPT-{n:02d}\t60\t{n}\t\t\tMissense_Mutation\t\n"
        for n in range(1, 31)
        if n != 7
    ]
    path = tmp_path / "cohort.maf"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def _shot(page: object, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    page.screenshot(path=str(target), full_page=True)  # type: ignore[attr-defined]
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(target, Path(SCREENSHOTS) / name)
    return target


def test_list_search_open_patient_and_provenance(
    browser: object, engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    import_file(engine, _cohort(tmp_path))
    page = live_server.browser_page(browser, viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.goto(live_server.url + "/")
    expect(page.locator("#patients-h")).to_contain_text("Showing 1–25 of 30 patients")
    page.keyboard.press("Tab")
    expect(page.locator(".skip")).to_be_focused()  # skip link first, for keyboard users
    page.get_by_role("link", name="Next").click()
    expect(page.locator("#patients tbody tr")).to_have_count(5)

    page.get_by_label("Search by patient id or name").fill("pt-07")
    page.keyboard.press("Enter")
    expect(page.locator("#patients tbody tr")).to_have_count(1)
    page.get_by_role("link", name="PT-07").click()
    expect(page.locator("h1")).to_contain_text("PT-07")
    expect(page.locator(".card")).to_contain_text("GRCh37")

    rows = page.locator("#variants tbody tr")
    expect(rows).to_have_count(2)
    braf = rows.filter(has_text="BRAF")
    expect(braf).to_contain_text("p.V600E")
    expect(braf).to_contain_text("0.450")  # t_alt_count 54 of t_depth 120
    summary = braf.locator("details.prov summary")
    expect(summary).to_have_text("cohort.maf · line 2")
    sha = braf.locator("details.prov code").first
    expect(sha).not_to_be_visible()
    summary.focus()
    page.keyboard.press("Enter")  # details open from the keyboard
    expect(sha).to_be_visible()
    expect(braf.locator("details.prov")).to_contain_text("maf 1.0")
    braf.get_by_role("link", name="Raw source record and full provenance").click()
    expect(page.locator("h1")).to_have_text("BRAF p.V600E")
    expect(page.locator("#raw")).to_contain_text("BRAF\tGRCh37\t7\t140453136")
    expect(page.locator("#provenance")).to_contain_text("line 2")
    _shot(page, tmp_path, "fact-desktop.png")
    page.close()


def test_gene_filter_and_sort_in_the_browser(
    browser: object, engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    import_file(engine, _cohort(tmp_path))
    page = live_server.browser_page(
        browser,
    )  # type: ignore[attr-defined]
    page.goto(live_server.url + "/patients/PT-07")
    page.get_by_label("Gene").fill("kras")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#variants tbody tr")).to_have_count(1)
    expect(page.locator("#variants tbody tr")).to_contain_text("p.G12D")
    page.get_by_role("link", name="Reset").click()
    page.get_by_role("link", name="VAF").click()  # ascending: KRAS 0.25 before BRAF 0.45
    expect(page.locator("#variants tbody tr td.gene")).to_have_text(["KRAS", "BRAF"])
    page.close()


@pytest.mark.parametrize("path", ["/", "/patients/PT-07", "/imports"])
def test_no_horizontal_overflow_at_360px(
    browser: object, engine: Engine, live_server: LiveServer, tmp_path: Path, path: str
) -> None:
    import_file(engine, _cohort(tmp_path))
    # logged in: the pages themselves, not the login form they would redirect to
    page = live_server.browser_page(browser, viewport={"width": 360, "height": 780})
    context = page.context
    page.goto(live_server.url + path)
    assert page.url.split("?")[0] == live_server.url + path
    for details in page.locator("details.prov").all()[:1]:
        details.evaluate("d => { d.open = true; }")  # an open provenance box must fit too
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]"
    )
    assert widths[0] <= widths[2] and widths[1] <= widths[2], widths
    # wide tables scroll inside their own container instead
    for wrap in page.locator(".table-wrap").all():
        box = wrap.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360.5
    if path == "/patients/PT-07":
        shot = _shot(page, tmp_path, "patient-360.png")
        assert shot.stat().st_size > 10_000
    context.close()
