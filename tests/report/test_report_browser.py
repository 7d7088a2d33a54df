# SPDX-License-Identifier: Apache-2.0
"""The report page in Chromium: a clinician proposes its recommendations, the board decides."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from oncoboard.governance import decisions, gate
from oncoboard.governance.gate import Actor
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer, make_user
from tests.report.conftest import RELEASE

pytestmark = [pytest.mark.browser, pytest.mark.shared]


def test_board_decides_on_recommendations_from_the_report_page(
    browser: Any, cohort: Engine, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    make_user(cohort, "board-member", [Role.TUMOR_BOARD])
    page = live_server.browser_page(browser, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/patients/demo-002/report?kb={RELEASE}")
    expect(page.locator("#tumor-type")).to_contain_text("LUAD")
    expect(page.locator("#releases")).to_contain_text("research use only")
    tier_one = page.locator("#actionable table.rows").first
    expect(tier_one).to_contain_text("Osimertinib")
    detail = page.locator("#actionable details.detail").first  # per-finding detail, collapsed
    detail.locator("summary").click()
    expect(detail).to_contain_text("demo-002.vep.vcf · line 18")
    expect(page.locator("#resistance")).to_contain_text("MET amplification")
    expect(page.locator("#not-evaluated-table")).to_contain_text("gene-level rules off")
    expect(page.locator("#board article")).to_have_count(0)
    page.locator("#propose button").click()  # POST with the form's CSRF token
    articles = page.locator("#board article")
    expect(articles.first).to_be_visible()
    proposed = articles.count()
    assert proposed > 1
    expect(page.locator("#propose")).to_have_count(0)  # all proposed: nothing left to propose

    board = live_server.browser_page(browser, "board-member")
    board.goto(f"{live_server.url}/patients/demo-002/report?kb={RELEASE}")
    expect(board.locator("#propose")).to_have_count(0)  # tumour board may decide, not propose
    card = board.locator("#board article", has_text="Osimertinib:").first
    card.get_by_role("radio", name="Reject").check()
    card.get_by_role("button", name="Record decision").click()  # no reason: refused
    expect(board.locator("[role=alert]")).to_contain_text("reason is required to reject")
    board.goto(f"{live_server.url}/patients/demo-002/report?kb={RELEASE}")
    card = board.locator("#board article", has_text="Osimertinib:").first
    card.get_by_role("radio", name="Accept").check()
    card.get_by_role("button", name="Record decision").click()
    expect(board).to_have_url(
        f"{live_server.url}/patients/demo-002/report?kb={RELEASE.replace('@', '%40')}#rec-"
        + board.url.rsplit("#rec-", 1)[-1]
    )
    decided = board.locator("#board article", has_text="Osimertinib:").first.locator(".decision")
    expect(decided).to_contain_text("accept by Board-Member (board-member)")
    admin = Actor(username="site-admin", display_name="Admin", roles=frozenset({Role.ADMIN}))
    with unit_of_work(cohort) as session:
        access = gate.authorize(session, actor=admin, action=Action.VIEW_RECORD,
                                purpose=Purpose.TREATMENT, obj="check", patient_id="demo-002")  # fmt: skip
        stored = decisions.list_for_patient(session, access=access)
    accepted = [s for s in stored if s.decision is not None]
    assert len(accepted) == 1 and accepted[0].decision.decided_by == "board-member"  # type: ignore[union-attr]
    assert accepted[0].recommendation.statement.startswith("Osimertinib:")
