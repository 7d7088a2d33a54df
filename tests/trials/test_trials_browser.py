# SPDX-License-Identifier: Apache-2.0
"""The Trials tab and trial page in Chromium; the API and CLI paths over the same data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from oncoboard.cli.main import app as cli_app
from oncoboard.governance.vocabulary import Role
from oncoboard.record.schemas import CancerCondition, Demographics, GeneTesting, SomaticVariant
from tests.conftest import LiveServer, make_user
from tests.support import shared_file
from tests.trials.support import SEARCH_PAGE, write_facts

pytestmark = pytest.mark.shared


def _setup(engine: Engine, live_server: LiveServer) -> None:
    admin = make_user(engine, "trial-admin", [Role.ADMIN])
    path = shared_file(*SEARCH_PAGE)
    with path.open("rb") as handle:
        answer = live_server.client(admin).post(
            "/api/v1/trials", files={"file": (path.name, handle)}
        )
    assert answer.status_code == 200, answer.text
    write_facts(engine, "PT-7",
                Demographics(name="Test Seven", sex="male", birth_date="1958-05-05"),
                CancerCondition(oncotree_code="PAAD", display="Pancreatic adenocarcinoma"),
                SomaticVariant(genome_build="GRCh38", gene="KRAS", hgvs_p="p.G12D"))  # fmt: skip


@pytest.mark.browser
def test_trials_tab_colours_each_criterion(
    browser: object, engine: Engine, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    _setup(engine, live_server)
    page = live_server.browser_page(browser, viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.goto(live_server.url + "/patients/PT-7")
    page.get_by_role("link", name="Trials", exact=True).click()
    expect(page.locator("#trials-h")).to_contain_text("PT-7")
    # excluded trials are folded below the others, each with the criterion that excludes it
    open_count = page.locator("#trial-list > li").count()
    excluded = page.locator("#excluded-trials")
    expect(excluded.locator("> summary")).to_contain_text(f"Excluded trials ({10 - open_count})")
    expect(excluded.locator("#trial-NCT05288205")).to_be_hidden()
    excluded.locator("> summary").click()
    g12c = excluded.locator("#trial-NCT05288205")
    expect(g12c.locator(".verdict")).to_have_text("excluded")
    expect(g12c.locator(".excluded-why")).to_contain_text("I2")
    g12c.locator("details > summary").first.click()
    failed = g12c.locator("li.crit[data-criterion='I2']")
    expect(failed).to_have_attribute("data-state", "not_met")
    # KRAS was examined (G12D reported): the absent G12C decides
    expect(failed.locator(".why")).to_contain_text("KRAS p.G12C: not found")
    # "Expected survival ≥ 3 months" is listed apart, as clinician judgement
    judged = g12c.locator("ul.judgement li.crit[data-criterion='I3']")
    expect(judged.locator(".why")).to_contain_text("clinician judgement")
    colour = failed.evaluate("e => getComputedStyle(e).borderLeftColor")
    assert colour == "rgb(180, 35, 24)"
    # the first trial in the list is not excluded (ranked by decided fit)
    expect(page.locator("#trial-list > li").first.locator(".verdict")).not_to_have_text("excluded")
    # a clinician overrides the criterion, with a reason: recorded, shown, the trial is reopened
    failed.locator(".decide-criterion > summary").click()
    failed.locator("select[name=state]").select_option("met")
    failed.locator("textarea[name=reason]").fill("G12C found on a second biopsy (outside report)")
    failed.locator("button[type=submit]").click()
    reopened = page.locator("#trial-list #trial-NCT05288205")
    expect(reopened).to_have_count(1)
    reopened.locator("details > summary").first.click()
    decided = reopened.locator("li.crit[data-criterion='I2']")
    expect(decided).to_have_attribute("data-state", "met")
    expect(decided.locator(".why")).to_contain_text("clinician decision by")
    expect(decided.locator(".why")).to_contain_text("second biopsy")
    page.locator("#propose-trials").click()
    expect(page.locator("#trial-recommendations article").first).to_contain_text("Screen for trial")
    page.locator("#trial-recommendations input[value='referred']").first.check()
    page.locator("#trial-recommendations button[type=submit]").first.click()
    expect(page.locator("#trial-recommendations .decision").first).to_contain_text("referred")
    # the patient page lists them with the trial outcome or a link to the Trials tab form, never
    # the generic accept / modify / reject form
    page.goto(live_server.url + "/patients/PT-7")
    recs = page.locator("#recommendations article.rec")
    expect(recs.locator("input[value='accept']")).to_have_count(0)
    expect(recs.locator(".decision").first).to_contain_text("referred")
    link = recs.locator(".trial-decide a").first
    expect(link).to_have_attribute("href", re.compile(r"^/patients/PT-7/trials#rec-"))
    link.click()
    expect(page.locator("#trial-recommendations input[value='not_suitable']").first).to_be_visible()
    page.goto(live_server.url + "/trials/NCT05288205")
    expect(page.locator("#criteria tr[data-criterion='I5']")).to_contain_text("ecog")
    expect(page.locator("#criteria-source")).to_contain_text("Inclusion Criteria:")


def test_api_and_cli_match(engine: Engine, live_server: LiveServer, tmp_path: Path) -> None:
    _setup(engine, live_server)
    answer = live_server.client().get("/api/v1/patients/PT-7/trials")
    assert answer.status_code == 200
    verdicts = {m["nct_id"]: m["verdict"] for m in answer.json()["matches"]}
    assert verdicts["NCT05288205"] == "excluded"
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        cli_app, ["--database-url", url, "--user", "dr-test", "trials", "match", "PT-7"]
    )
    assert result.exit_code == 0, result.output
    assert "NCT05288205 excluded (by I2)" in result.output
    shown = CliRunner().invoke(
        cli_app, ["--database-url", url, "--user", "dr-test", "trials", "show", "NCT05288205"]
    )
    assert "I5" in shown.output and "ecog" in shown.output


@pytest.mark.browser
def test_trial_card_names_the_cohort_a_patient_fits(
    browser: object, engine: Engine, live_server: LiveServer
) -> None:
    """NCT05786924 defines its cohorts as "Part …:" items: the card says which one fits, each
    cohort item says whether it fits, and one that does not fit excludes nobody."""
    from playwright.sync_api import expect

    _setup(engine, live_server)
    write_facts(engine, "PT-8",
                Demographics(name="Test Eight", sex="female", birth_date="1957-02-02"),
                CancerCondition(oncotree_code="LUAD", display="Lung adenocarcinoma", stage="IV"),
                SomaticVariant(genome_build="GRCh38", gene="KRAS", hgvs_p="p.G12C"),
                GeneTesting(test="tissue NGS", genes=("KRAS", "NRAS", "HRAS", "BRAF", "RAF1")))  # fmt: skip
    page = live_server.browser_page(browser, viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.goto(live_server.url + "/patients/PT-8/trials")
    card = page.locator("#trial-NCT05786924")
    expect(card.locator(".verdict")).not_to_have_text("excluded")
    expect(card.locator("header .cohorts-fitting")).to_contain_text("Part 2A4")
    card.locator("details > summary").first.click()
    fits = card.locator("li.crit[data-criterion='I14']")
    expect(fits).to_have_attribute("data-state", "met")
    expect(fits.locator(".flags.cohort")).to_have_text("cohort definition: Part 2A4 — fits")
    expect(fits.locator(".why")).to_contain_text("KRAS p.G12C")
    other = card.locator("li.crit[data-criterion='I5']")
    expect(other).to_have_attribute("data-state", "not_met")
    expect(other.locator(".flags.cohort")).to_have_text("cohort definition: Part 1A — does not fit")
    expect(other.locator(".why")).to_contain_text("other cohorts may fit")
    expect(card.locator(".excluded-why")).to_have_count(0)
    # the trial page marks which items define a cohort
    page.goto(live_server.url + "/trials/NCT05786924")
    expect(page.locator("#criteria tr[data-criterion='I14'] .cohort")).to_have_text(
        "defines Part 2A4"
    )
