# SPDX-License-Identifier: Apache-2.0
"""Errors on pages are pages: log in first, or a readable explanation with its status."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from oncoboard.edge.problems import status_for
from oncoboard.edge.templates import templates
from oncoboard.errors import NotAuthenticated, OncoBoardError

HTTP_TITLES = {
    404: ("Page not found", "There is no page at {path}. Use the menu or go to your home page."),
    405: ("Not allowed here", "{path} cannot be used this way ({method})."),
    422: ("Invalid address", "The address has a value this page cannot use: {detail}."),
}


def html_error(request: Request, error: OncoBoardError) -> Response:
    """An OncoBoard error on a page: the login form when not logged in, else an error page."""
    if isinstance(error, NotAuthenticated):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
    return templates.TemplateResponse(
        request,
        "error.html",
        {"title": error.title, "message": str(error.args[0]) if error.args else error.title},
        status_code=status_for(error),
    )


def html_http_error(request: Request, status: int, detail: str) -> Response:
    """A routing or parameter error on a page (no such page, wrong method, bad query value)."""
    title, text = HTTP_TITLES.get(status, ("Error", "{detail}"))
    message = text.format(path=request.url.path, method=request.method, detail=detail[:300])
    return templates.TemplateResponse(
        request, "error.html", {"title": title, "message": message}, status_code=status
    )
