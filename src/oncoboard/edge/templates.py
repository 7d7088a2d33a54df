# SPDX-License-Identifier: Apache-2.0
"""The Jinja environment every page renders with (``web/templates``).

Ground layer: the helpers here need nothing above ``settings``. Helpers that read a capability
(the acting user's menu, CSRF tokens, fact labels) are added by the web shell when it mounts the
pages (``register``), so no capability imports the shell to render a page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi.templating import Jinja2Templates

from oncoboard import __version__

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "web" / "templates"
STATIC_DIR = TEMPLATE_DIR.parent / "static"


def query_string(**params: object) -> str:
    """A query string without empty parameters, for pager and sort links."""
    kept = {
        k: "true" if v is True else v
        for k, v in params.items()
        if v is not False and v is not None and v not in ("", "file") and not _first_page(k, v)
    }
    return "?" + urlencode(kept) if kept else "?"


def _first_page(name: str, value: object) -> bool:
    return name in ("page", "vpage") and value == 1


def when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
templates.env.globals.update(
    version=__version__,
    qs=query_string,
    actor_of=lambda request: getattr(request.state, "actor", None),
)
templates.env.filters.update(
    pathq=lambda value: quote(str(value), safe=""),
    when=when,
)


def register(
    *, globals: dict[str, Any] | None = None, filters: dict[str, Callable[..., Any]] | None = None
) -> None:
    """Add helpers from a higher layer (the web shell calls this once when it mounts pages)."""
    templates.env.globals.update(globals or {})
    templates.env.filters.update(filters or {})
