# SPDX-License-Identifier: Apache-2.0
"""Item 10: security headers on every response; no CSP violation on the pages in Chromium."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from oncoboard.governance.vocabulary import Role
from tests.conftest import LiveServer, make_user
from tests.web.conftest import browser  # noqa: F401  (the shared Chromium fixture)

COMMON = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def _check(response: httpx.Response, *, no_store: bool) -> None:
    for name, value in COMMON.items():
        assert response.headers.get(name) == value, (response.url, name)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert (response.headers.get("cache-control") == "no-store") is no_store, response.url


def test_every_kind_of_response_carries_the_headers(
    two_patients: Engine, live_server: LiveServer
) -> None:
    api = live_server.client()
    _check(api.get("/api/v1/patients/PT-A"), no_store=True)  # patient data (JSON)
    _check(api.get("/patients/PT-A"), no_store=True)  # patient data (page)
    _check(api.get("/api/v1/patients/PT-ZZ"), no_store=True)  # an error
    _check(httpx.get(live_server.url + "/login"), no_store=True)
    _check(httpx.get(live_server.url + "/api/v1/me"), no_store=True)  # 401
    _check(httpx.get(live_server.url + "/static/style.css"), no_store=False)  # cacheable
    anonymous = httpx.post(live_server.url + "/api/v1/imports", content=b"x")  # body guard
    assert anonymous.status_code == 401
    _check(anonymous, no_store=True)
    # HSTS only when served over HTTPS in production
    assert "strict-transport-security" not in api.get("/api/v1/me").headers


def test_production_adds_hsts(engine: Engine, make_server: Any) -> None:
    server = make_server(env="prod", secret_key=secrets.token_urlsafe(32))
    answer = httpx.get(server.url + "/login")
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")


def test_the_docs_page_has_no_inline_script(engine: Engine, live_server: LiveServer) -> None:
    page = httpx.get(live_server.url + "/api/v1/docs").text
    assert '<script src="/static/api_docs.js">' in page
    assert "<script>" not in page and "cdn." not in page


PAGES = ["/", "/patients/PT-A", "/imports", "/kb", "/alerts", "/patients/PT-A/consent",
         "/patients/PT-A/access-log", "/patients/PT-A/report", "/audit", "/patients/PT-A/trials"]  # fmt: skip


@pytest.mark.browser
def test_pages_raise_no_content_security_policy_violation_in_chromium(
    browser: Any,  # noqa: F811
    two_patients: Engine,
    live_server: LiveServer,
) -> None:
    make_user(two_patients, "site-it", [Role.CLINICIAN, Role.ADMIN, Role.NURSE])
    page = live_server.browser_page(browser, username="site-it")
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for path in PAGES:
        page.goto(live_server.url + path)
        assert page.locator("main").count() == 1, path
    assert violations == []
    # what an injected inline script would meet: the browser refuses to run it
    page.goto(live_server.url + "/login")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'document.title = \"injected\"'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.title() != "injected"
    assert any("Content Security Policy" in v for v in violations)
    page.close()
