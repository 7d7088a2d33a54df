# SPDX-License-Identifier: Apache-2.0
"""The clinician's first screen with a real knowledge base: key alterations carry their tier.

Expected values from the inputs (as tests/report/test_report_content.py states them): demo-002
carries EGFR p.L858R (demo-002.vep.vcf line 18) in LUAD; the MOAlmanac legacy release lists
osimertinib for EGFR p.L858R as FDA-approved in NSCLC (Tier I, on-label) and MET amplification as
resistance to gefitinib; demo-cohort.fhir.json gives demo-002 stage IVA and ECOG 0.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import Engine

from oncoboard.governance.users import actor_for
from oncoboard.knowledge import service as kb
from oncoboard.knowledge.sources.moalmanac import LegacyReader
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer
from tests.report.conftest import build
from tests.support import shared_file
from tests.web.conftest import demo_headers

pytestmark = pytest.mark.shared


def _moalmanac(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        admin = actor_for(session, "admin")
        kb.publish(
            session=session,
            access=kb.authorize_import(session, admin, "moalmanac"),
            reader=LegacyReader(),
            reader_name="moalmanac",
            path=shared_file("kb", "moalmanac", "molecular-oncology-almanac.json.gz"),
        )


def _first_screen(html: str) -> str:
    found = re.search(r'<div class="first-screen".*?</div>\n', html, re.S)
    assert found is not None
    return found.group(0)


def test_key_alterations_carry_the_reports_tiers(engine: Engine, demo_server: LiveServer) -> None:
    import httpx

    _moalmanac(engine)
    headers = demo_headers(demo_server, "oncologist")
    page = httpx.get(demo_server.url + "/patients/demo-002", headers=headers, timeout=120)
    assert page.status_code == 200
    top = _first_screen(page.text)
    # the summary comes before every section of the record
    assert page.text.index('id="first-screen"') < page.text.index('id="diagnoses"')
    assert page.text.index('id="first-screen"') < page.text.index('id="recommendations"')
    items = re.findall(r'<span class="tier">([^<]+)</span> <span class="alt">([^<]+)</span>', top)
    assert items, top
    egfr = [(tier, alteration) for tier, alteration in items if "EGFR" in alteration]
    assert egfr and egfr[0][0].startswith("Tier I ")
    assert "Osimertinib" in top and "Resistance: MET amplification: Gefitinib" in top
    assert "Stage IVA" in top and "ECOG <strong>0</strong>" in top
    # the same Tier I/II alterations as the tumour-board report, nothing more, nothing less
    report = build(engine, "demo-002")
    expected = {
        f.alteration for t in report.tiers if t.tier in ("Tier I", "Tier II") for f in t.findings
    }
    shown = {html.unescape(alteration).strip() for _, alteration in items}
    assert shown <= expected and len(shown) == min(4, len(expected))  # the first four, then a link
    if len(expected) > 4:
        assert f"{len(expected) - 4} more in the report" in top
    # a second view reads the engine's cached answer: same content
    again = httpx.get(demo_server.url + "/patients/demo-002", headers=headers, timeout=120)
    assert _first_screen(again.text) == top
