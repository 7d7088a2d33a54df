# SPDX-License-Identifier: Apache-2.0
"""The API documentation served offline: Swagger UI and ReDoc files come from the
``fastapi-offline`` wheel (MIT), not a CDN, and start from a static script (no inline code)."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from oncoboard.edge.templates import STATIC_DIR, templates

DOCS_ASSETS = "/static/api-docs"


def assets_folder() -> Path:
    """Swagger UI and ReDoc bundles as the installed ``fastapi-offline`` ships them."""
    spec = find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fastapi-offline is not installed (a dependency of oncoboard)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def swagger_ui(request: Request) -> HTMLResponse:
    """Interactive API documentation (Swagger UI), offline."""
    context = {"openapi_url": request.app.openapi_url, "assets": DOCS_ASSETS, "ui": "swagger"}
    return templates.TemplateResponse(request, "api_docs.html", context)


def redoc(request: Request) -> HTMLResponse:
    """Reference API documentation (ReDoc), offline."""
    context = {"openapi_url": request.app.openapi_url, "assets": DOCS_ASSETS, "ui": "redoc"}
    return templates.TemplateResponse(request, "api_docs.html", context)


# ReDoc's sidebar shows Redocly's logo from their CDN (no option turns it off): the one URL in the
# bundle a browser would fetch by itself. It is pointed at our own icon, once, when first asked.
REDOC_BUNDLE = "redoc.standalone.js"
REDOC_REMOTE_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
_redoc: dict[str, bytes] = {}


def redoc_bundle(request: Request) -> Response:
    """The ReDoc bundle with its remote logo replaced by this server's icon."""
    if "js" not in _redoc:
        text = (assets_folder() / REDOC_BUNDLE).read_text(encoding="utf-8")
        _redoc["js"] = text.replace(REDOC_REMOTE_LOGO, "/static/favicon.svg").encode()
    return Response(_redoc["js"], media_type="text/javascript; charset=utf-8")


def favicon(request: Request) -> FileResponse:
    """Browsers ask for it on every site; answer with the icon instead of a 404."""
    return FileResponse(STATIC_DIR / "favicon.ico", media_type="image/x-icon")


def mount(app: FastAPI) -> None:
    """Plain routes, not API operations: documentation pages are not part of the API contract."""
    app.add_route(f"{DOCS_ASSETS}/{REDOC_BUNDLE}", redoc_bundle, methods=["GET"])
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(assets_folder())), name="api-docs")
    app.add_route("/api/v1/docs", swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_route("/api/v1/redoc", redoc, methods=["GET"], include_in_schema=False)
    app.add_route("/favicon.ico", favicon, methods=["GET"], include_in_schema=False)
