# SPDX-License-Identifier: Apache-2.0
"""The one place errors become HTTP problem+json (RFC 9457)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from oncoboard.errors import (
    Conflict,
    ConsentDenied,
    FeatureUnavailable,
    InputError,
    KnowledgeUnavailable,
    NotAuthenticated,
    NotFound,
    OncoBoardError,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
)

STATUS: list[tuple[type[OncoBoardError], int]] = [
    (PayloadTooLarge, 413),
    (InputError, 422),
    (NotFound, 404),
    (Conflict, 409),
    (NotAuthenticated, 401),
    (PermissionDenied, 403),
    (ConsentDenied, 403),
    (RateLimited, 429),
    (KnowledgeUnavailable, 503),
    (FeatureUnavailable, 503),
]

PROBLEM_JSON = "application/problem+json"


class ProblemItem(BaseModel):
    """One located defect: where, which field, what was given, what was expected."""

    source: str
    locator: str
    field: str
    value: str
    expected: str


class ProblemDetails(BaseModel):
    """An RFC 9457 problem document; ``problems`` lists every located defect of a bad input."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    problems: list[ProblemItem] | None = None
    problem_count: int | None = None


_DESCRIPTIONS = {
    400: "Bad request (problem+json).",
    401: "Not authenticated: log in or send a bearer token (problem+json).",
    403: "Refused by the gate: role, purpose or consent, with the reason (problem+json).",
    429: "Too many failed logins: wait as Retry-After says (problem+json).",
    404: "Not found (problem+json).",
    409: "Conflicts with what is stored (problem+json).",
    413: "Upload larger than the configured limit (problem+json).",
    422: "Invalid input; every located problem is listed (problem+json).",
    503: "Not serving now, or a part this request needs is unavailable (problem+json).",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the problem+json errors a route can answer."""
    return {code: {"model": ProblemDetails, "description": _DESCRIPTIONS[code]} for code in codes}


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
    headers = retry_headers(error)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def retry_headers(error: OncoBoardError) -> dict[str, str]:
    """``Retry-After`` for a throttled request, so clients know how long to wait."""
    if isinstance(error, RateLimited) and error.retry_after:
        return {"Retry-After": str(error.retry_after)}
    return {}


# Paths whose callers are programs (problem+json, never a login redirect): the REST API and
# the CDS Hooks services an EHR calls.
MACHINE_PATHS = ("/api/", "/cds-services")


def install(app: FastAPI) -> None:
    """Register the handlers once, for every router."""

    async def _oncoboard(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, OncoBoardError)
        pages = getattr(request.app.state, "html_errors", None)
        if pages is not None and not request.url.path.startswith(MACHINE_PATHS):
            response: Response = pages(request, exc)
            return response
        return problem_response(exc, request)

    def _page(request: Request, status: int, detail: str) -> Response | None:
        """Pages answer with a page (the web shell registers it), the API with problem+json."""
        pages = getattr(request.app.state, "html_http_errors", None)
        if pages is None or request.url.path.startswith(MACHINE_PATHS):
            return None
        response: Response = pages(request, status, detail)
        return response

    async def _validation(request: Request, exc: Exception) -> Response:
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
        detail = "; ".join(f"{p['field']}: {p['expected']} (got '{p['value']}')" for p in problems)
        page = _page(request, 422, detail)
        if page is not None:
            return page
        return JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)

    async def _http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        page = _page(request, exc.status_code, str(exc.detail))
        if page is not None:
            return page
        body = {
            "type": "about:blank",
            "title": str(exc.detail),
            "status": exc.status_code,
            "detail": str(exc.detail),
            "instance": str(request.url.path),
        }
        return JSONResponse(
            body, status_code=exc.status_code, media_type=PROBLEM_JSON, headers=exc.headers
        )

    app.add_exception_handler(OncoBoardError, _oncoboard)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated schema, with error bodies declared as ``application/problem+json``."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        for operation in _operations(schema):
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and content and PROBLEM_JSON not in content:
                    # whatever the route's own media type, its errors are problem+json
                    media = (
                        "application/json" if "application/json" in content else next(iter(content))
                    )
                    response["content"] = {PROBLEM_JSON: content[media]}
        app.openapi_schema = schema
    return app.openapi_schema


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for item in schema.get("paths", {}).values() for op in item.values()]
