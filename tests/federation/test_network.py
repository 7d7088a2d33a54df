# SPDX-License-Identifier: Apache-2.0
"""Three real site processes (separate SQLite databases: the 2,504-individual Beacon cohort and
TCGA-LAML split across them) and a coordinator on SQLite and PostgreSQL: totals equal the pooled
ground truth of the live sites, a hung or killed site is reported within its deadline, keys
cannot be replayed or swapped, a private site enforces its budget."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from oncoboard.cli.main import app as cli_app
from oncoboard.errors import InputError
from oncoboard.federation import auth, coordinator, service
from oncoboard.federation.beacon import query_from_words
from oncoboard.federation.models import PeerRow
from oncoboard.federation.schemas import FederatedResult
from oncoboard.governance.models import AuditRow, UserRow
from oncoboard.governance.users import actor_for
from oncoboard.governance.vocabulary import Role
from oncoboard.settings import Settings
from oncoboard.store.db import make_engine, unit_of_work
from tests.conftest import LiveServer, make_user
from tests.federation.sites import HungSite, Site
from tests.federation.support import admin_actor, truth

pytestmark = pytest.mark.shared
SECRET = "coordinator-test-secret"
HUNG_TIMEOUT_S = 0.5


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Site]]:
    root = tmp_path_factory.mktemp("federation")
    network = [Site(f"site-{k}", root / f"site-{k}", k, 3) for k in (1, 2, 3)]
    try:
        for site in network:
            site.prepare()
            site.start()
        yield network
    finally:
        for site in network:
            site.kill()


@pytest.fixture
def hung() -> Iterator[HungSite]:
    dead = HungSite()
    yield dead
    dead.close()


def _register(engine: Engine, sites: list[Site], hung: HungSite | None = None) -> None:
    with unit_of_work(engine) as session:
        known = session.scalar(select(UserRow.id).where(UserRow.username == "dr-network"))
    if known is None:
        make_user(engine, "dr-network", [Role.RESEARCHER])
        admin_actor(engine, "network-it")
    with unit_of_work(engine) as session:
        admin = actor_for(session, "network-it")
        access = coordinator.authorize_admin(session, admin, "register sites")
        for site in sites:
            coordinator.add_site(session=session, access=access, name=site.name, base_url=site.base_url,
                                 access_key=site.access_key, secret_key=SECRET, timeout_s=10.0, retries=1)  # fmt: skip
        if hung is not None:
            # the hung site's key is a real key of another site: it never gets to check it
            coordinator.add_site(session=session, access=access, name="site-hung", base_url=hung.base_url,
                                 access_key=sites[0].access_key, secret_key=SECRET,
                                 timeout_s=HUNG_TIMEOUT_S, retries=1)  # fmt: skip


def _ask(
    engine: Engine, words: list[str], researcher: str = "dr-network", **options: object
) -> FederatedResult:
    cohort = query_from_words(words)
    with unit_of_work(engine) as session:
        access = coordinator.authorize_research(
            session, actor_for(session, researcher), cohort.describe()
        )
        return coordinator.query(
            session=session,
            access=access,
            cohort=cohort,
            secret_key=SECRET,
            entry_type=options.get("entry_type", "individuals"),  # type: ignore[arg-type]
            granularity="count",
            sites=options.get("sites"),
        )  # type: ignore[arg-type]


def _truth_females(sites: list[Site]) -> int:
    return sum(truth(s.part, s.parts).count(s.consented, sex="female") for s in sites)


def test_totals_equal_the_pooled_truth_and_a_hung_site_costs_only_its_timeout(
    engine: Engine, sites: list[Site], hung: HungSite
) -> None:
    _register(engine, sites, hung)
    started = time.perf_counter()
    result = _ask(engine, ["NCIT:C16576"])
    elapsed = time.perf_counter() - started
    status = {s.site: s.status for s in result.sites}
    assert status == {
        "site-1": "answered",
        "site-2": "answered",
        "site-3": "answered",
        "site-hung": "timed_out",
    }
    assert result.total_exact and result.total_low == result.total_high == _truth_females(sites)
    # the hung site's deadline bounds the whole answer (generous margin: a shared 2-core machine)
    assert elapsed < HUNG_TIMEOUT_S + 1.5, elapsed
    hung_result = next(s for s in result.sites if s.site == "site-hung")
    assert HUNG_TIMEOUT_S - 0.05 <= hung_result.seconds < HUNG_TIMEOUT_S + 0.5
    # OncoTree descendants: MNM (myeloid neoplasms) includes the AML of TCGA-LAML
    aml = _ask(engine, ["oncotree:MNM"], sites=["site-1", "site-2", "site-3"])
    expected = sum(len(set(s.laml) & s.consented) for s in sites)
    assert aml.total_exact and aml.total_low == expected


def test_cli_queries_and_checks_the_network(engine: Engine, sites: list[Site]) -> None:
    _register(engine, sites)
    url = engine.url.render_as_string(hide_password=False)
    runner = CliRunner(env={"ONCOBOARD_SECRET_KEY": SECRET})
    checked = runner.invoke(
        cli_app, ["--database-url", url, "--user", "network-it", "federation", "sites", "check"]
    )
    assert checked.exit_code == 0, checked.output
    lines = checked.output.splitlines()
    assert sum(" answered " in line for line in lines) == 3 and "AML" in checked.output
    asked = runner.invoke(cli_app, ["--database-url", url, "--user", "dr-network", "federation", "query",
                                    "NCIT:C16576", "--json"])  # fmt: skip
    assert asked.exit_code == 0, asked.output
    assert f'"total_low": {_truth_females(sites)}' in asked.output
    wrong = runner.invoke(
        cli_app,
        ["--database-url", url, "--user", "dr-network", "federation", "query", "oncotree:NOPE"],
    )
    assert isinstance(wrong.exception, InputError) and "NOPE" in str(wrong.exception)


def test_keys_cannot_be_replayed_swapped_or_used_after_revocation(
    engine: Engine, sites: list[Site]
) -> None:
    one, two = sites[0], sites[1]
    key = auth.AccessKey.parse(one.access_key)
    body = b'{"meta": {"apiVersion": "v2.1.1"}, "query": {"requestedGranularity": "count"}}'
    url = one.base_url + "/individuals"
    message = auth.Message(method="POST", url=url,
                           headers={"content-type": "application/json", auth.RESEARCHER_HEADER: "dr-network"})  # fmt: skip
    auth.sign_request(message, key, body)
    first = httpx.post(url, content=body, headers=message.headers, timeout=10)
    assert first.status_code == 200
    auth.verify_response(
        key.site_public_key,
        message,
        200,
        {k.lower(): v for k, v in first.headers.items()},
        first.content,
    )
    replayed = httpx.post(url, content=body, headers=message.headers, timeout=10)
    assert replayed.status_code == 401 and "replayed" in replayed.text
    tampered = dict(message.headers)
    tampered[auth.RESEARCHER_HEADER] = "someone-else"
    assert httpx.post(url, content=body, headers=tampered, timeout=10).status_code == 401
    # site 1's key at site 2: unknown there
    _register(engine, [Site("site-2", two.folder, 2, 3, port=two.port, access_key=one.access_key)])
    swapped = _ask(engine, [])
    assert swapped.sites[0].status == "refused" and "unknown federation key" in (
        swapped.sites[0].detail or ""
    )
    site_db = make_engine(one.url)
    with unit_of_work(site_db) as session:
        peer = session.scalar(select(PeerRow).where(PeerRow.key_id == key.key_id))
        assert peer is not None
        auth.revoke_peer(session, peer.name)
    site_db.dispose()
    fresh = auth.Message(
        method="POST",
        url=url,
        headers={"content-type": "application/json", auth.RESEARCHER_HEADER: "x"},
    )
    auth.sign_request(fresh, key, body)
    revoked = httpx.post(url, content=body, headers=fresh.headers, timeout=10)
    assert revoked.status_code == 401 and "revoked" in revoked.text
    with unit_of_work(site_db) as session:
        one.access_key, _ = auth.issue_peer_key(
            session,
            name=f"coordinator-{uuid.uuid4().hex[:8]}",
            created_by="tests",
            secret_key=one.secret,
        )
    site_db.dispose()


def test_a_private_site_spends_and_enforces_each_researchers_budget(
    engine: Engine, sites: list[Site]
) -> None:
    _register(engine, sites)
    site_db = make_engine(sites[1].url)
    with unit_of_work(site_db) as session:
        access = coordinator.authorize_admin(
            session, admin_actor(site_db, f"it-{engine.dialect.name}"), "dp"
        )
        service.set_policy(session, access=access, changes={"dp_enabled": True, "epsilon_per_query": 1.0,
                                                            "epsilon_budget": 2.0})  # fmt: skip
    try:
        researcher = f"dr-private-{engine.dialect.name}"  # budgets are per researcher
        make_user(engine, researcher, [Role.RESEARCHER])
        remaining = []
        for _ in range(2):
            answer = next(
                s for s in _ask(engine, ["NCIT:C20197"], researcher).sites if s.site == "site-2"
            )
            assert answer.status == "answered" and answer.answer is not None and answer.answer.noisy
            assert answer.answer.budget is not None
            remaining.append(answer.answer.budget.remaining)
        assert remaining == [1.0, 0.0]
        exhausted = _ask(engine, ["NCIT:C20197"], researcher)
        site2 = next(s for s in exhausted.sites if s.site == "site-2")
        assert site2.status == "refused" and "budget exhausted" in (site2.detail or "")
        assert sum(s.status == "answered" for s in exhausted.sites) == 2
        # the private site's own audit: each spend with what is left, then the refusal
        with unit_of_work(site_db) as session:
            entries = session.scalars(
                select(AuditRow)
                .where(AuditRow.actor.endswith(f"/{researcher}"))
                .order_by(AuditRow.id)
            ).all()
        spent = [e.reason for e in entries if (e.reason or "").startswith("released")]
        assert len(spent) == 2 and "ε=1 spent, 1 left" in (spent[0] or "")
        assert "ε=1 spent, 0 left" in (spent[1] or "")
        denied = [e for e in entries if e.outcome == "denied"]
        assert len(denied) == 1 and "budget exhausted" in (denied[0].reason or "")
    finally:
        with unit_of_work(site_db) as session:
            access = coordinator.authorize_admin(
                session, admin_actor(site_db, f"it2-{engine.dialect.name}"), "dp"
            )
            service.set_policy(session, access=access, changes={"dp_enabled": False})
        site_db.dispose()


@pytest.mark.browser
def test_the_page_asks_the_network_and_shows_status_budget_and_catalogue(
    engine: Engine, sites: list[Site], hung: HungSite, browser: Any, tmp_path: Path
) -> None:
    """A researcher in Chromium: the question from the form, each site's status (the hung one
    timed out), a private site's remaining budget, the total, the catalogue; audited."""
    from playwright.sync_api import expect

    _register(engine, sites, hung)
    researcher = f"dr-page-{engine.dialect.name}"
    make_user(engine, researcher, [Role.RESEARCHER])
    # as `federation sites check` does; Playwright's event loop runs in this thread, which the
    # fan-out must tolerate (it then asks from a thread of its own)
    with unit_of_work(engine) as session:
        admin = actor_for(session, "network-it")
        access = coordinator.authorize_admin(session, admin, "check sites")
        coordinator.check(session=session, access=access, secret_key=SECRET,
                          sites=["site-1", "site-2", "site-3"])  # fmt: skip
    private = make_engine(sites[1].url)
    _private_policy(private, enabled=True)
    settings = Settings(env="test", database_url=engine.url.render_as_string(hide_password=False),
                        upload_dir=tmp_path / "uploads", secret_key=SECRET)  # fmt: skip
    try:
        with LiveServer(settings, engine) as server:
            page = server.browser_page(browser, username=researcher)
            nav = page.get_by_role("navigation", name="Main")
            nav.get_by_role("link", name="Federated research").click()
            catalogue = page.locator("#federation-catalogue")
            expect(catalogue).to_contain_text("site-1")
            expect(catalogue.locator("tr", has_text="site-1")).to_contain_text("answered")
            expect(catalogue.locator("tr", has_text="site-hung")).to_contain_text("not checked")
            page.select_option("#sex", "female")
            page.get_by_role("button", name="Ask the network").click()
            answers = page.locator("#federation-sites-answers")
            expect(answers.locator("tr", has_text="site-hung")).to_contain_text("timed out")
            for name in ("site-1", "site-3"):
                row = answers.locator("tr", has_text=name)
                expect(row).to_contain_text("answered")
            private_row = answers.locator("tr", has_text="site-2")
            expect(private_row).to_contain_text("answered")
            expect(private_row).to_contain_text("ε 1 of 2 left")
            total = page.locator("#federation-total")
            expect(total).to_contain_text("from 3 of 4 sites")
            expect(total).to_contain_text("not exact")  # the noisy site widens the total
            page.close()
    finally:
        _private_policy(private, enabled=False)
        private.dispose()
    with unit_of_work(engine) as session:
        asked = session.scalars(
            select(AuditRow.object).where(
                AuditRow.actor == researcher, AuditRow.action == "query_aggregate"
            )
        ).all()
    assert any("female" in what for what in asked), asked


def _private_policy(site_db: Engine, *, enabled: bool) -> None:
    """Differential privacy at a site: ε 1 per answer, a budget of 2 per researcher."""
    with unit_of_work(site_db) as session:
        admin = admin_actor(site_db, f"it-{uuid.uuid4().hex[:8]}")
        access = coordinator.authorize_admin(session, admin, "dp")
        changes: dict[str, object] = {"dp_enabled": enabled}
        if enabled:
            changes |= {"epsilon_per_query": 1.0, "epsilon_budget": 2.0}
        service.set_policy(session, access=access, changes=changes)


def test_a_site_killed_mid_query_is_reported_and_the_others_still_total(
    engine: Engine, sites: list[Site]
) -> None:
    _register(engine, sites)
    victim = sites[2]
    results: list[FederatedResult] = []
    if victim.process is not None and victim.process.poll() is None:
        victim.pause()  # the request reaches it, then it dies before answering
        asking = threading.Thread(target=lambda: results.append(_ask(engine, ["NCIT:C16576"])))
        asking.start()
        time.sleep(0.3)
        victim.kill()
        asking.join(timeout=30)
    else:
        results.append(_ask(engine, ["NCIT:C16576"]))
    result = results[0]
    status = {s.site: s.status for s in result.sites}
    assert status["site-1"] == status["site-2"] == "answered"
    assert status["site-3"] in ("error", "timed_out")
    assert result.total_low == result.total_high == _truth_females(sites[:2])
    assert result.answered == 2 and result.asked == 3
