# SPDX-License-Identifier: Apache-2.0
"""The one place errors become HTTP problem+json (RFC 9457)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from oncoboard.errors import (
    Conflict,
    ConsentDenied,
    InputError,
    KnowledgeUnavailable,
    NotFound,
    OncoBoardError,
    PayloadTooLarge,
    PermissionDenied,
)

STATUS: list[tuple[type[OncoBoardError], int]] = [
    (PayloadTooLarge, 413),
    (InputError, 422),
    (NotFound, 404),
    (Conflict, 409),
    (PermissionDenied, 403),
    (ConsentDenied, 403),
    (KnowledgeUnavailable, 503),
]

PROBLEM_JSON = "application/problem+json"


def status_for(error: OncoBoardError) -> int:
    return next((code for kind, code in STATUS if isinstance(error, kind)), 500)


def problem_response(error: OncoBoardError, request: Request) -> JSONResponse:
    status = status_for(error)
    body: dict[str, object] = {
        "type": "about:blank",
        "title": error.title,
        "status": status,
        "detail": str(error.args[0]) if error.args else error.title,
        "instance": str(request.url.path),
    }
    if isinstance(error, InputError) and error.problems:
        body["problems"] = [p.as_dict() for p in error.problems]
        body["problem_count"] = len(error.problems)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install(app: FastAPI) -> None:
    """Register the handlers once, for every router."""

    async def _oncoboard(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, OncoBoardError)
        return problem_response(exc, request)

    async def _validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [
            {
                "source": "request",
                "locator": ".".join(str(p) for p in err.get("loc", ())),
                "field": str(err.get("loc", ("",))[-1]),
                "value": str(err.get("input", ""))[:200],
                "expected": str(err.get("msg", "")),
            }
            for err in exc.errors()
        ]
        body = {
            "type": "about:blank",
            "title": "Invalid request",
            "status": 422,
            "detail": f"{len(problems)} problem(s) in the request",
            "problems": problems,
        }
        return JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)

    app.add_exception_handler(OncoBoardError, _oncoboard)
    app.add_exception_handler(RequestValidationError, _validation)
