# SPDX-License-Identifier: Apache-2.0
"""Contract: every route and every CLI command passes the gate, or is on a short allow-list.

A user with no roles is authenticated but may do nothing: every gated path must refuse them,
so a new route or command that forgets the gate fails here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer.main
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from oncoboard.api.app import create_app
from oncoboard.cli.main import app as cli_app
from oncoboard.errors import NotAuthenticated, PermissionDenied
from oncoboard.governance.models import AuditRow
from oncoboard.settings import Settings
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer, make_user
from tests.support import api_routes

# Reachable without logging in: liveness, the token exchange, the login page, the API docs.
PUBLIC = {("GET", "/api/v1/health"), ("POST", "/api/v1/auth/token"), ("GET", "/login"),
          ("POST", "/login"), ("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/docs"),
          ("GET", "/api/v1/docs/oauth2-redirect")}  # fmt: skip
# CDS Hooks (EHR-to-OncoBoard): discovery is public by the spec; the services are refused
# without the EHR's signed JWT (tests/ehr/test_cds_hooks.py::test_bad_jwts_are_refused). The
# SMART launch and callback run before anyone has logged in (OAuth redirects); the page they
# lead to, /smart/open, is gated.
EHR_FACING = {("GET", "/cds-services"), ("POST", "/cds-services/{service_id}"),
              ("POST", "/cds-services/{service_id}/feedback"), ("GET", "/smart/launch"),
              ("GET", "/smart/callback")}  # fmt: skip
# Need a login but concern only the caller's own account, so no role is needed.
OWN_ACCOUNT = {("GET", "/api/v1/me"), ("GET", "/api/v1/auth/tokens"),
               ("DELETE", "/api/v1/auth/tokens/{token_id}"), ("POST", "/logout")}  # fmt: skip
# CLI commands that touch no patient data or accounts: offline file checks, versions, setup.
# (``trials rank-pools`` ranks trial texts from files offline and reads no stored record.)
CLI_PUBLIC = {"validate", "version", "doctor", "serve", "db upgrade", "trials rank-pools"}
CLI_ARGS: dict[str, list[str]] = {
    "import": ["{file}"],
    "patients list": [],
    "patients show": ["PT-A"],
    "users create": ["someone", "--name", "Some One", "--role", "nurse"],
    "users grant": ["dr-test", "nurse"],
    "users revoke": ["dr-test", "nurse"],
    "users set-password": ["dr-test"],
    "users disable": ["dr-test"],
    "users enable": ["dr-test"],
    "users list": [],
    "users token create": ["dr-test", "--name", "x"],
    "users token list": ["dr-test"],
    "users token revoke": ["dr-test", "1"],
    "audit verify": [],
    "audit export": [],
    "consent show": ["PT-A"],
    "consent grant": ["PT-A", "research", "--source", "form 1"],
    "consent withdraw": ["PT-A", "research", "--source", "form 1"],
    "kb import": ["{file}", "--source", "moalmanac"],
    "kb list": [],
    "kb show": ["moalmanac@2025-12-26"],
    "kb diff": ["moalmanac@2025-02-07", "moalmanac@2025-12-26"],
    "report": ["PT-A", "--format", "json"],
    "actionability screen": ["--drug", "Vemurafenib"],
    "trials import": ["{file}"],
    "trials show": ["NCT02513394"],
    "trials match": ["PT-A"],
    "trials feasibility": ["NCT02513394"],
    "dose propose": ["PT-A", "--drug", "capecitabine", "--ae", "hfs", "--grade", "3"],
    "dose rules": ["capecitabine"],
    "dose history": ["PT-A"],
    "dose starting": ["PT-A"],
    "pgx import": ["{file}", "--patient", "PT-A"],
    "pgx show": ["PT-A"],
    "pro import": ["{file}"],
    "alerts list": [],
    "alerts ack": ["PT-A"],
    "alerts escalate": ["PT-A", "--note", "needs review"],
    "alerts resolve": ["PT-A", "--outcome", "advice_given"],
    "alerts sweep": [],
    "celltherapy open": ["PT-A", "--product", "autologous CAR-T", "--fin", "A9999"],
    "celltherapy step": [
        "CHA999926000001",
        "apheresis_collection",
        "--scan",
        "PT-A",
        "--location",
        "ward",
    ],
    "celltherapy show": ["CHA999926000001"],
    "celltherapy alerts": [],
    "celltherapy ack": ["1", "--note", "courier called"],
    "celltherapy verify": [],
    "celltherapy export": ["CHA999926000001", "--out", "{file}"],
    "federation policy show": [],
    "federation policy set": ["--min-count", "10"],
    "federation peers add": ["coordinator"],
    "federation peers list": [],
    "federation peers revoke": ["coordinator"],
    "federation index refresh": [],
    "federation load-bff": ["{file}", "--genome-build", "GRCh37"],
    "federation sites add": ["site-a", "http://127.0.0.1:9/api/beacon"],
    "federation sites list": [],
    "federation sites check": [],
    "federation sites remove": ["site-a"],
    "federation query": ["sex:female"],
    "federation train": ["--genes", "TP53"],
    "models train": ["seer-breast-os-cox"],
    "models list": [],
    "models evaluate": ["seer-breast-os-cox@1"],
    "models card": ["seer-breast-os-cox@1"],
    "models promote": ["seer-breast-os-cox@1", "--reason", "a long enough reason"],
    "models drift": ["seer-breast-os-cox@1", "--data", "{file}"],
}


def _routes() -> list[tuple[str, str]]:
    app = create_app(Settings(env="test", database_url="sqlite://"))
    found = [("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/docs")]
    for path, route in api_routes(app):
        found += [(method, path) for method in sorted(route.methods - {"HEAD"})]
    return found


ROUTES = _routes()
GATED = [r for r in ROUTES if r not in PUBLIC and r not in OWN_ACCOUNT and r not in EHR_FACING]


MAF = (
    "x.maf",
    b"Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\t"
    b"Tumor_Seq_Allele2\tTumor_Sample_Barcode\nBRAF\tGRCh38\t7\t1\tA\tT\tPT-A\n",
)
# a valid body for each write, so the refusal cannot come from request validation
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/imports"): {"files": {"file": MAF}},
    ("POST", "/imports"): {"files": {"file": MAF}},
    ("POST", "/api/v1/patients/{patient_id}/consent"): {
        "json": {"purpose": "research", "status": "granted", "source": "form 1"}},
    ("POST", "/patients/{patient_id}/consent"): {
        "data": {"purpose": "research", "status": "granted", "source": "form 1"}},
    ("POST", "/api/v1/recommendations/{recommendation_id}/decision"): {"json": {"outcome": "accept"}},
    ("POST", "/recommendations/{recommendation_id}/decision"): {"data": {"outcome": "accept"}},
    ("GET", "/api/v1/kb/diff"): {"params": {"a": "moalmanac@2025-02-07", "b": "moalmanac@2025-12-26"}},
    ("GET", "/kb/diff"): {"params": {"a": "moalmanac@2025-02-07", "b": "moalmanac@2025-12-26"}},
    ("POST", "/patients/{patient_id}/report/recommendations/{recommendation_id}/decision"): {
        "data": {"outcome": "accept"}},
    ("POST", "/api/v1/trials"): {"files": {"file": ("x.json", b'{"studies": []}')}},
    ("POST", "/trial-recommendations/{recommendation_id}/decision"): {"data": {"outcome": "screened"}},
    ("POST", "/api/v1/patients/{patient_id}/trials/{nct_id}/criteria/{criterion_id}/decision"): {
        "json": {"state": "met", "reason": "treated and stable"}},
    ("POST", "/patients/{patient_id}/trials/{nct_id}/criteria/{criterion_id}/decision"): {
        "data": {"state": "met", "reason": "treated and stable"}},
    ("POST", "/api/v1/patients/{patient_id}/dose-proposals"): {
        "json": {"drug": "capecitabine", "ae": "hfs", "grade": 3}},
    ("POST", "/patients/{patient_id}/dose-proposals"): {
        "data": {"drug": "capecitabine", "ae": "hfs", "grade": "3"}},
    ("POST", "/api/v1/patients/{patient_id}/pro/submissions"): {
        "json": {"questionnaire_id": "capecitabine", "idempotency_key": "k1", "answers": {}}},
    ("POST", "/api/v1/patients/{patient_id}/pro/enrolments"): {
        "json": {"questionnaire_id": "capecitabine"}},
    ("POST", "/api/v1/alerts/{alert_id}/actions"): {"json": {"action": "acknowledge"}},
    ("POST", "/alerts/{alert_id}/actions"): {"data": {"action": "acknowledge"}},
    ("POST", "/patients/{patient_id}/symptoms/report"): {
        "data": {"questionnaire_id": "capecitabine", "idempotency_key": "k1"}},
    ("POST", "/api/v1/patients/{patient_id}/celltherapy-cases"): {
        "json": {"product": "autologous CAR-T", "issuing_fin": "A9999"}},
    ("POST", "/api/v1/celltherapy/cases/{coi}/steps"): {
        "json": {"step": "apheresis_collection", "scans": ["PT-A"], "location": "ward"}},
    ("POST", "/api/v1/celltherapy/alerts/{alert_id}/acknowledge"): {"json": {"note": "called"}},
    ("POST", "/celltherapy/cases"): {"data": {"patient_id": "PT-A", "product": "CAR-T"}},
    ("POST", "/celltherapy/cases/{coi}/scan"): {
        "data": {"step": "apheresis_collection", "scan": "PT-A", "location": "ward"}},
    ("POST", "/celltherapy/alerts/{alert_id}/acknowledge"): {"data": {"note": "called"}},
    ("POST", "/api/v1/models"): {"json": {"spec": "seer-breast-os-cox"}},
    ("POST", "/models/train"): {"data": {"spec": "seer-breast-os-cox"}},
    ("POST", "/api/v1/models/{model_id}/promote"): {"json": {"reason": "a long enough reason"}},
}  # fmt: skip


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: "1" if m.group(0) == "{fact_id}" else "PT-A", path)


def test_allow_lists_name_only_existing_routes() -> None:
    assert (PUBLIC | OWN_ACCOUNT) - set(ROUTES) == {("GET", "/api/v1/docs/oauth2-redirect")}
    assert len(GATED) >= 20


@pytest.mark.parametrize(("method", "path"), GATED, ids=[f"{m} {p}" for m, p in GATED])
def test_every_gated_route_refuses_anonymous_and_roleless_users(
    engine: Engine, live_server: LiveServer, method: str, path: str
) -> None:
    body = BODIES.get((method, path), {})
    anonymous = httpx.request(method, live_server.url + _fill(path), timeout=30, **body)
    if path.startswith("/api/"):
        assert anonymous.status_code == 401, anonymous.text
    else:  # pages send the browser to the login form
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    token = make_user(engine, "no-roles", [])
    refused = live_server.client(token).request(method, _fill(path), follow_redirects=False, **body)
    assert refused.status_code in (403, 404), (
        f"{method} {path}: {refused.status_code} {refused.text[:300]}"
    )
    if refused.status_code == 404:
        # only a decision on an unknown recommendation may answer 404 before the gate
        assert "recommendations/{recommendation_id}" in path
        return
    with unit_of_work(engine) as session:
        denials = session.scalar(
            select(func.count()).where(AuditRow.outcome == "denied", AuditRow.actor == "no-roles")
        )
    assert denials == 1


def _commands() -> list[str]:
    found: list[str] = []

    def walk(command: Any, prefix: tuple[str, ...]) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, (*prefix, name))
        else:
            found.append(" ".join(prefix))

    walk(typer.main.get_command(cli_app), ())
    return sorted(found)


COMMANDS = _commands()


def test_every_cli_command_is_gated_or_allow_listed() -> None:
    assert set(COMMANDS) == set(CLI_ARGS) | CLI_PUBLIC


@pytest.mark.parametrize("command", sorted(CLI_ARGS), ids=sorted(CLI_ARGS))
def test_every_gated_cli_command_refuses_a_user_without_roles(
    engine: Engine, tmp_path: Path, command: str
) -> None:
    make_user(engine, "no-roles", [])
    make_user(engine, "dr-test", [])
    file = tmp_path / "x.maf"
    file.write_text(
        "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\t"
        "Tumor_Seq_Allele2\tTumor_Sample_Barcode\nBRAF\tGRCh38\t7\t1\tA\tT\tPT-A\n"
    )
    args = [a.replace("{file}", str(file)) for a in CLI_ARGS[command]]
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        cli_app,
        ["--database-url", url, "--user", "no-roles", *command.split(), *args],
        input="a-new-password-123\n",
    )
    # refused by the gate: raised, or (for commands that report per file) exit code 6
    refused = isinstance(result.exception, PermissionDenied | NotAuthenticated)
    assert refused or result.exit_code == 6, result.output
    unknown = CliRunner().invoke(
        cli_app,
        ["--database-url", url, "--user", "ghost", *command.split(), *args],
        input="a-new-password-123\n",
    )
    assert isinstance(unknown.exception, NotAuthenticated) or unknown.exit_code == 6
