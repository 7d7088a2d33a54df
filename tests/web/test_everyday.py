# SPDX-License-Identifier: Apache-2.0
"""Everyday use over a real server with the demo cohort: pages for every role, no external URL
in any page, error pages that are pages, the patient's home and documents released to it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
from fastapi.routing import APIRoute
from sqlalchemy import Engine, text
from starlette.routing import Route

from tests.conftest import LiveServer
from tests.support import api_routes, import_file
from tests.web.conftest import demo_headers
from tests.web.html import table_rows

ROLES = ("oncologist", "board", "nurse", "researcher", "quality", "celltherapy", "admin", "ana")
# the care team sees nearly every page; the others see the pages only they have
SCANNED_ROLES = ("oncologist", "researcher", "quality", "ana")
# resource-loading attributes: what a page fetches by itself when opened
LOADS = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "form": ("action",),
    "image": ("href",),
    "use": ("href",),
}
EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)


class _Loads(HTMLParser):
    """Every URL a page would fetch, inline scripts and inline event handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.handlers: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in LOADS.get(tag, ()):
            if values.get(name):
                self.urls.append(str(values[name]))
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            if name == "style" and value and "url(" in value:
                self.urls.extend(re.findall(r"url\(([^)]*)\)", value))
        self._script = tag == "script" and not values.get("src")

    def handle_data(self, data: str) -> None:
        if self._script and data.strip():
            self.inline_scripts += 1
        self.urls.extend(re.findall(r"url\(\s*['\"]?(https?://[^)'\"]+)", data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = False


def _scan(html: str) -> _Loads:
    parser = _Loads()
    parser.feed(html)
    return parser


def _ids(engine: Engine, server: LiveServer) -> dict[str, str]:
    """One real value for every path parameter of the pages, from the demo database."""
    with engine.connect() as connection:
        first = connection.execute(
            text(
                "SELECT f.id FROM facts f JOIN patients p ON p.id = f.patient_id "
                "WHERE p.external_id = 'demo-001' ORDER BY f.id LIMIT 1"
            )
        ).scalar()
        alert = connection.execute(text("SELECT id FROM pro_alerts LIMIT 1")).scalar()
        submission = connection.execute(
            text(
                "SELECT s.id FROM pro_submissions s JOIN patients p ON p.id = s.patient_id "
                "WHERE p.external_id = 'demo-001' LIMIT 1"
            )
        ).scalar()
        recommendation = connection.execute(text("SELECT id FROM recommendations LIMIT 1")).scalar()
    shared = httpx.post(
        f"{server.url}/patients/demo-001/documents/report",
        data={"note": "as discussed"},
        headers=demo_headers(server, "oncologist"),
        timeout=60,
    )
    assert shared.status_code == 303, shared.text
    with engine.connect() as connection:
        document = connection.execute(text("SELECT id FROM released_documents LIMIT 1")).scalar()
    return {
        "patient_id": "demo-001",
        "fact_id": str(first),
        "nct_id": "NCT99000001",
        "alert_id": str(alert),
        "submission_id": str(submission),
        "recommendation_id": str(recommendation),
        "document_id": str(document),
        "drug": "capecitabine",
        "release_id": "none-stored",
        "coi": "none-stored",
        "model_id": "none-stored",  # model pages: tests/prediction/test_pages.py (plots, no script)
        "which": "bag",
        "path": "style.css",
    }


def _page_paths(app: Any, ids: dict[str, str]) -> list[str]:
    """Every GET page of the app (no API operation), path parameters filled in."""
    paths = []
    plain = [
        (r.path, r) for r in app.routes if isinstance(r, Route) and not isinstance(r, APIRoute)
    ]
    for full, route in [*api_routes(app), *plain]:
        if "GET" not in (route.methods or ()):
            continue
        if isinstance(route, APIRoute) and route.include_in_schema:
            continue  # an API operation (JSON), not a page
        names = re.findall(r"{(\w+)(?::\w+)?}", full)
        missing = [n for n in names if n not in ids]
        assert not missing, f"{full}: give the test a value for {missing}"
        path = full
        for name in names:
            path = re.sub(r"{" + name + r"(:\w+)?}", ids[name], path)
        paths.append(path)
    return sorted(set(paths))


def test_no_page_loads_anything_from_another_site(engine: Engine, demo_server: LiveServer) -> None:
    """Offline by default: every page, as every role, fetches only from this server."""
    from oncoboard.api.app import create_app

    ids = _ids(engine, demo_server)
    paths = _page_paths(create_app(demo_server._server.config.app.state.settings, engine), ids)
    assert "/api/v1/docs" in paths and "/patients" in paths and "/trials" in paths
    # downloads are files, not pages (and the PDF is WeasyPrint's slowest path)
    paths = [p for p in paths if not p.endswith("/download")]
    scanned = 0
    for role in SCANNED_ROLES:
        headers = demo_headers(demo_server, role)
        for path in paths:
            answer = httpx.get(demo_server.url + path, headers=headers, timeout=60)
            assert answer.status_code < 500, f"{role} {path}: {answer.status_code}"
            if "text/html" not in answer.headers.get("content-type", ""):
                continue
            found = _scan(answer.text)
            external = [u for u in found.urls if EXTERNAL.match(u)]
            assert external == [], f"{role} {path} loads {external}"
            assert found.inline_scripts == 0, f"{role} {path}: inline <script>"
            assert found.handlers == [], f"{role} {path}: {found.handlers}"
            scanned += 1
    assert scanned > 4 * 10


def _offline_api_docs_serve_their_own_files(demo_server: LiveServer) -> None:
    docs = httpx.get(demo_server.url + "/api/v1/docs", timeout=30)
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
    scripts = re.findall(r'<script src="([^"]+)"', docs.text)
    assert scripts == ["/static/api-docs/swagger-ui-bundle.js", "/static/api_docs.js"]
    for url in [
        *scripts,
        "/static/api-docs/swagger-ui.css",
        "/static/api-docs/redoc.standalone.js",
    ]:
        asset = httpx.get(demo_server.url + url, timeout=30)
        assert asset.status_code == 200 and len(asset.content) > 500, url
    redoc = httpx.get(demo_server.url + "/api/v1/redoc", timeout=30).text
    assert 'src="/static/api-docs/redoc.standalone.js"' in redoc
    assert 'data-openapi-url="/api/v1/openapi.json"' in redoc
    icon = httpx.get(demo_server.url + "/favicon.ico", timeout=30)
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_error_pages_trial_list_and_offline_api_docs(demo_server: LiveServer) -> None:
    headers = demo_headers(demo_server, "oncologist")
    missing = httpx.get(demo_server.url + "/no-such-page", headers=headers, timeout=30)
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert "Page not found" in missing.text and 'href="/"' in missing.text
    bad = httpx.get(demo_server.url + "/patients/demo-002?vpage=zero", headers=headers, timeout=30)
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]
    assert "vpage" in bad.text
    api = httpx.get(demo_server.url + "/api/v1/no-such-thing", headers=headers, timeout=30)
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    denied = httpx.get(demo_server.url + "/audit", headers=headers, timeout=30)
    assert denied.status_code == 403 and "text/html" in denied.headers["content-type"]
    assert 'href="/" id="error-back">Go to my home page' in denied.text  # home, not a loop
    _trials_page_lists_the_registry(demo_server)
    _offline_api_docs_serve_their_own_files(demo_server)


LANDINGS = {
    "oncologist": ("patients", {"/patients", "/alerts", "/trials", "/kb", "/imports", "/models"}),
    "nurse": ("patients", {"/patients", "/alerts", "/trials", "/kb", "/imports"}),
    "board": ("patients", {"/patients", "/trials", "/kb", "/imports", "/models"}),
    "celltherapy": ("celltherapy", {"/patients", "/celltherapy", "/trials", "/kb", "/imports"}),
    "researcher": ("start", {"/trials", "/screen", "/federation", "/kb", "/models"}),
    "quality": ("start", {"/kb", "/models", "/audit"}),
    "admin": ("patients", {"/patients", "/trials", "/kb", "/imports", "/models", "/audit"}),
}


def test_every_role_lands_on_a_page_it_may_use_and_every_menu_entry_opens(
    demo_server: LiveServer,
) -> None:
    for role, (landing, allowed) in LANDINGS.items():
        headers = demo_headers(demo_server, role)
        home = httpx.get(demo_server.url + "/", headers=headers, timeout=30, follow_redirects=True)
        assert home.status_code == 200, role
        # the coordinator's work is the chain-of-identity page: home sends her there
        assert home.url.path == ("/celltherapy" if landing == "celltherapy" else "/"), role
        assert ('id="patients"' in home.text) == (landing == "patients"), role
        assert ('id="start-pages"' in home.text) == (landing == "start"), role
        menu = re.findall(r'<nav aria-label="Main">(.*?)</nav>', home.text, re.S)[0]
        offered = set(re.findall(r'href="([^"]+)"', menu))
        assert offered == allowed, (role, offered)
        for href in allowed:
            page = httpx.get(demo_server.url + href, headers=headers, timeout=60)
            assert page.status_code == 200, f"{role} {href}: {page.status_code}"
            assert 'id="error-h"' not in page.text, f"{role} {href}"


def _trials_page_lists_the_registry(demo_server: LiveServer) -> None:
    page = httpx.get(
        demo_server.url + "/trials", headers=demo_headers(demo_server, "researcher"), timeout=30
    ).text
    rows = table_rows(page, "trials")
    assert [r[0] for r in rows[1:]] == ["NCT99000001", "NCT99000002", "NCT99000003"]
    assert "Showing 1–3 of 3 trials" in page


def test_patient_home_and_released_documents(engine: Engine, demo_server: LiveServer) -> None:
    ana = demo_headers(demo_server, "ana")
    doctor = demo_headers(demo_server, "oncologist")
    home = httpx.get(demo_server.url + "/", headers=ana, timeout=30).text
    assert 'id="patients"' not in home and "API documentation" not in home
    assert "Ana Rivera</span>" in home and "(patient)" not in home
    # three weekly demo reports; the last raised the hand-foot syndrome alert (demo/activity.py)
    reports = re.findall(r'<li><a href="/patients/demo-001/symptoms/reports/', home)
    assert len(reports) == 3
    assert "Your care team was alerted" in home
    assert "has not shared a document" in home
    for staff_page in ("/patients/demo-001/report", "/patients/demo-001/trials", "/kb"):
        refused = httpx.get(demo_server.url + staff_page, headers=ana, timeout=30)
        assert refused.status_code == 403 and "for your care team" in refused.text, staff_page
    own = httpx.get(demo_server.url + "/patients/demo-001", headers=ana, timeout=30)
    assert own.status_code == 303 and own.headers["location"] == "/"
    other = httpx.get(demo_server.url + "/patients/demo-002", headers=ana, timeout=30)
    assert other.status_code == 404

    shared = httpx.post(
        demo_server.url + "/patients/demo-001/documents/report",
        data={"note": "We talked this through on Monday."},
        headers=doctor,
        timeout=60,
    )
    assert shared.status_code == 303
    again = httpx.post(
        demo_server.url + "/patients/demo-001/documents/report", headers=doctor, timeout=60
    )
    assert again.status_code == 409 and "already released" in again.text
    home = httpx.get(demo_server.url + "/", headers=ana, timeout=30).text
    link = re.search(r'href="(/patients/demo-001/documents/[0-9a-f-]+)">Tumour-board report', home)
    assert link is not None and "We talked this through on Monday." in home
    document = httpx.get(demo_server.url + link.group(1), headers=ana, timeout=30)
    assert document.status_code == 200 and 'id="stamp"' in document.text
    assert "Shared by Dr Elena Marsh" in document.text

    withdrawn = httpx.post(
        demo_server.url + link.group(1) + "/withdraw",
        data={"reason": "shared with the wrong note"},
        headers=doctor,
        timeout=30,
    )
    assert withdrawn.status_code == 303
    assert httpx.get(demo_server.url + link.group(1), headers=ana, timeout=30).status_code == 404
    staff_view = httpx.get(demo_server.url + "/patients/demo-001", headers=doctor, timeout=30)
    assert "withdrawn" in staff_view.text and "shared with the wrong note" in staff_view.text
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT count(*) FROM released_documents WHERE withdrawn_at IS NOT NULL")
        ).scalar()
    assert rows == 1  # withdrawn, not deleted
    refused = httpx.post(
        demo_server.url + "/patients/demo-001/documents/report",
        headers=demo_headers(demo_server, "nurse"),
        timeout=30,
    )
    assert refused.status_code == 403  # releasing is a clinician's decision


def test_patient_consent_from_home_reuses_the_consent_service(demo_server: LiveServer) -> None:
    ana = demo_headers(demo_server, "ana")
    changed = httpx.post(
        demo_server.url + "/my/consent",
        data={"purpose": "research", "status": "granted"},
        headers=ana,
        timeout=30,
    )
    assert changed.status_code == 303 and changed.headers["location"].endswith("#consent")
    overview = httpx.get(
        demo_server.url + "/api/v1/patients/demo-001/consent",
        headers=demo_headers(demo_server, "oncologist"),
        timeout=30,
    ).json()
    research = next(c for c in overview["current"] if c["purpose"] == "research")
    assert research["in_force"] == "granted"
    assert overview["history"][-1]["source"] == "patient self-service"
    assert overview["history"][-1]["recorded_by"] == "ana"
    # objecting to care use: the home still shows consents and who opened the record
    objected = httpx.post(
        demo_server.url + "/my/consent",
        data={"purpose": "treatment", "status": "withdrawn"},
        headers=ana,
        timeout=30,
    )
    assert objected.status_code == 303
    home = httpx.get(demo_server.url + "/", headers=ana, timeout=30)
    assert home.status_code == 200
    assert "Symptom reporting is off while your objection" in home.text
    assert 'id="consent-treatment"' in home.text and "Allow again" in home.text
    assert 'id="access-list"' in home.text
    staff = httpx.post(
        demo_server.url + "/my/consent",
        data={"purpose": "research", "status": "withdrawn"},
        headers=demo_headers(demo_server, "nurse"),
        timeout=30,
    )
    assert staff.status_code == 403


HEADER = (
    "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\t"
    "Tumor_Seq_Allele2\tTumor_Sample_Barcode\tVariant_Classification\tFILTER\n"
)


def test_variant_table_filters_by_pass_consequence_and_gene(
    engine: Engine, live_server: LiveServer, tmp_path: Path
) -> None:
    rows = [
        "BRAF\tGRCh38\t7\t140753336\tA\tT\tPT-F\tMissense_Mutation\tPASS\n",
        "TP53\tGRCh38\t17\t7673802\tC\tT\tPT-F\tMissense_Mutation\tstrand_bias\n",
        "TP53\tGRCh38\t17\t7674220\tC\tA\tPT-F\tNonsense_Mutation\tPASS\n",
        "KRAS\tGRCh38\t12\t25245350\tC\tT\tPT-F\tMissense_Mutation\t.\n",
    ]
    maf = tmp_path / "filters.maf"
    maf.write_text(HEADER + "".join(rows), encoding="utf-8")
    import_file(engine, maf)
    with live_server.client() as client:
        every = client.get("/patients/PT-F").text
        assert len(table_rows(every, "variants")) == 5
        assert '<tr class="filtered">' in every  # the strand_bias call is marked, not hidden
        assert '<option value="Nonsense_Mutation">' in every  # suggestions for the filter
        passed = client.get("/patients/PT-F", params={"passed": "true"}).text
        assert [r[0] for r in table_rows(passed, "variants")[1:]] == ["BRAF", "TP53", "KRAS"]
        missense = client.get(
            "/patients/PT-F", params={"passed": "true", "consequence": "Missense_Mutation"}
        ).text
        assert [r[0] for r in table_rows(missense, "variants")[1:]] == ["BRAF", "KRAS"]
        tp53 = client.get("/patients/PT-F", params={"gene": "tp53", "consequence": "missense"}).text
        assert [r[0] for r in table_rows(tp53, "variants")[1:]] == ["TP53"]
        assert "strand_bias" in tp53
        none = client.get(
            "/patients/PT-F", params={"passed": "true", "consequence": "Splice_Site"}
        ).text
        assert "No variants match these filters." in none
