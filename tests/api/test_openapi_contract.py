# SPDX-License-Identifier: Apache-2.0
"""Contract: every API route documents its summary, its response schema and its problem+json errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from oncoboard.api.app import create_app
from oncoboard.edge import problems
from oncoboard.settings import Settings
from tests.support import api_routes

PROBLEM_REF = "#/components/schemas/ProblemDetails"


def contract_violations(app: FastAPI) -> list[str]:
    """Every way the app's OpenAPI document falls short of the contract, one line each."""
    schema = app.openapi()
    paths: dict[str, dict[str, Any]] = schema["paths"]
    found: list[str] = []
    for path, route in api_routes(app):
        if path.startswith("/api/v1") and (not route.include_in_schema or path not in paths):
            found.append(f"{path}: missing from the OpenAPI document")
    for path, item in paths.items():
        for method, operation in item.items():
            found += [f"{method.upper()} {path}: {v}" for v in _operation_violations(operation)]
    return found


def _operation_violations(operation: dict[str, Any]) -> list[str]:
    found = []
    if not operation.get("summary"):
        found.append("no summary")
    description = (operation.get("description") or "").strip()
    if not description:
        found.append("no description (docstring)")
    elif not description.splitlines()[0].rstrip().endswith("."):
        found.append(f"docstring summary is not one sentence: {description.splitlines()[0]!r}")
    responses: dict[str, Any] = operation.get("responses", {})
    success = [r for code, r in responses.items() if code.startswith("2")]
    if not success or not all(_is_model(_success_schema(r)) for r in success):
        found.append("no typed success response schema")
    for code, response in responses.items():
        if code[0] in "45" and _schema(response, problems.PROBLEM_JSON) != {"$ref": PROBLEM_REF}:
            found.append(f"{code} is not documented as application/problem+json ProblemDetails")
        if code[0] in "45" and "application/json" in response.get("content", {}):
            found.append(f"{code} also claims application/json")
    takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
    if takes_input and "422" not in responses:
        found.append("takes input but documents no 422")
    names = {p.get("name") for p in operation.get("parameters", [])}
    if "patient_id" in names and "404" not in responses:
        found.append("looks up a patient but documents no 404")
    return found


def _is_model(schema: dict[str, Any]) -> bool:
    """A named pydantic model (``$ref``) or a list of one; not ``{}`` nor a bare dict."""
    return "$ref" in schema or "$ref" in schema.get("items", {})


def _success_schema(response: dict[str, Any]) -> dict[str, Any]:
    """JSON, or a streamed JSON format such as JSON Lines, described by a named model."""
    for media_type in ("application/json", "application/x-ndjson"):
        schema = _schema(response, media_type)
        if schema:
            return schema
    return {}


def _schema(response: dict[str, Any], media_type: str) -> dict[str, Any]:
    schema: dict[str, Any] = response.get("content", {}).get(media_type, {}).get("schema", {})
    return schema


def test_every_api_route_meets_the_contract(tmp_path: Path) -> None:
    app = create_app(Settings(env="test", database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    assert contract_violations(app) == []
    paths = app.openapi()["paths"]
    # the routes this contract is about are really there
    for path in (
        "/api/v1/patients",
        "/api/v1/patients/{patient_id}",
        "/api/v1/patients/{patient_id}/variants",
        "/api/v1/patients/{patient_id}/facts/{fact_id}",
        "/api/v1/imports",
        "/api/v1/trials",
        "/api/v1/trials/{nct_id}",
        "/api/v1/trials/{nct_id}/feasibility",
        "/api/v1/patients/{patient_id}/trials",
        "/api/v1/patients/{patient_id}/trials/match",
        "/api/v1/patients/{patient_id}/dose-proposals",
        "/api/v1/patients/{patient_id}/dose-history",
        "/api/v1/dosing/rules/{drug}",
        "/api/v1/pro/questionnaires",
        "/api/v1/patients/{patient_id}/pro/submissions",
        "/api/v1/patients/{patient_id}/pro/trajectory",
        "/api/v1/alerts",
        "/api/v1/alerts/{alert_id}/actions",
    ):
        assert path in paths
    upload = paths["/api/v1/imports"]["post"]["responses"]
    assert {"200", "201", "409", "413", "422"} <= set(upload)


def test_the_contract_catches_an_undocumented_route(tmp_path: Path) -> None:
    app = FastAPI()
    problems.install(app)

    @app.get("/api/v1/bare/{patient_id}")
    def bare(patient_id: str):  # type: ignore[no-untyped-def]  # deliberately undocumented
        return {}

    found = contract_violations(app)
    assert "GET /api/v1/bare/{patient_id}: no description (docstring)" in found
    assert "GET /api/v1/bare/{patient_id}: no typed success response schema" in found
    assert "GET /api/v1/bare/{patient_id}: looks up a patient but documents no 404" in found
    assert any("422 is not documented as application/problem+json" in v for v in found)
