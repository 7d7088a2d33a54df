# SPDX-License-Identifier: Apache-2.0
"""Item 13: ids and offsets of 2^63 or more are a 422 on every route, not a 500."""

from __future__ import annotations

import re

from sqlalchemy import Engine

from oncoboard.api.app import create_app
from oncoboard.settings import Settings
from tests.conftest import LiveServer
from tests.support import api_routes

HUGE = str(2**63)


def _integer_parameters() -> list[tuple[str, str, str, str]]:
    """(method, path, parameter, where) for every integer query or path parameter."""
    app = create_app(Settings(env="test", database_url="sqlite://"))
    found = []
    for path, route in api_routes(app):
        params = [(p, "query") for p in route.dependant.query_params]
        params += [(p, "path") for p in route.dependant.path_params]
        for param, where in params:
            if "int" in str(param.field_info.annotation) and "GET" in route.methods:
                found.append(("GET", path, param.alias, where))
    return found


def test_every_integer_parameter_refuses_values_past_64_bits(
    two_patients: Engine, live_server: LiveServer
) -> None:
    api = live_server.client()
    checked = _integer_parameters()
    assert len(checked) >= 8  # offsets, pages, fact ids…
    for method, path, name, where in checked:
        url = re.sub(r"\{[^}]+\}", "PT-A", path)
        params = {}
        if where == "path":
            url = path.replace("{" + name + "}", HUGE)
            url = re.sub(r"\{[^}]+\}", "PT-A", url)
        else:
            params[name] = HUGE
        answer = api.request(method, url, params=params)
        assert answer.status_code in (403, 404, 422), (path, name, answer.status_code, answer.text)
        assert answer.status_code != 500
    # the cases
    for url, params in (
        ("/api/v1/patients", {"offset": HUGE}),
        ("/api/v1/imports", {"offset": HUGE}),
        (f"/api/v1/patients/PT-A/facts/{HUGE}", {}),
        ("/", {"page": HUGE}),
    ):
        answer = api.get(url, params=params)
        assert answer.status_code == 422, (url, answer.text)
        assert "out of range" in answer.text
