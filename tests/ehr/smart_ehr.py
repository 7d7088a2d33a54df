# SPDX-License-Identifier: Apache-2.0
"""A test EHR on 127.0.0.1: a minimal FHIR R4 read server plus a SMART authorization server.

No FHIR server that installs offline from PyPI/npm/Debian was practical here (HAPI needs a
JVM and a Maven build; the PyPI "FHIR servers" are unmaintained or MCP bridges), so this one
serves real Synthea R4 resources from ../shared the way a FHIR server does: the transaction
bundle's ``urn:uuid`` references are rewritten to ``Type/id``, reads need the bearer token the
authorization server issued (scoped to one patient), searches page with ``next`` links. The
authorization server implements the SMART App Launch code flow with PKCE S256 checks.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

CLIENT_ID = "oncoboard-test-app"


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    patient: str
    scope: str
    app_context: str | None


@dataclass
class EhrState:
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    launches: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    codes: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    redirect_uris: set[str] = field(default_factory=set)
    standalone_patient: str = ""
    page_size: int = 20


def load_transaction(state: EhrState, path: Path) -> str:
    """Store a Synthea transaction bundle as a server would; return the Patient id."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        bundle = json.load(handle)
    ids = {e["fullUrl"]: f"{e['resource']['resourceType']}/{e['resource']['id']}"
           for e in bundle["entry"] if "fullUrl" in e}  # fmt: skip
    text = json.dumps([e["resource"] for e in bundle["entry"]])
    for urn, literal in ids.items():
        text = text.replace(f'"{urn}"', f'"{literal}"')
    patient = ""
    for resource in json.loads(text):
        state.resources[(resource["resourceType"], resource["id"])] = resource
        if resource["resourceType"] == "Patient":
            patient = resource["id"]
    return patient


def _challenge(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


class _Handler(BaseHTTPRequestHandler):
    state: EhrState
    base: str

    def log_message(self, *args: object) -> None:  # quiet
        return

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.state.log.append(f"GET {url.path}")
        if url.path == "/fhir/.well-known/smart-configuration":
            self._send(200, {
                "authorization_endpoint": f"{self.base}/auth/authorize",
                "token_endpoint": f"{self.base}/auth/token",
                "code_challenge_methods_supported": ["S256"],
                "capabilities": ["launch-ehr", "launch-standalone", "client-public",
                                 "context-ehr-patient", "context-standalone-patient"],
            })  # fmt: skip
        elif url.path == "/auth/authorize":
            self._authorize(query)
        elif url.path.startswith("/fhir/"):
            self._fhir(url.path.removeprefix("/fhir/"), query)
        else:
            self._send(404, {"resourceType": "OperationOutcome"})

    def _authorize(self, q: dict[str, str]) -> None:
        checks = [q.get("response_type") == "code", q.get("client_id") == CLIENT_ID,
                  q.get("redirect_uri") in self.state.redirect_uris,
                  q.get("code_challenge_method") == "S256", bool(q.get("code_challenge")),
                  q.get("aud") == f"{self.base}/fhir", bool(q.get("state"))]  # fmt: skip
        if not all(checks):
            self._send(400, {"error": "invalid_request", "checks": checks})
            return
        if "launch" in q:
            found = self.state.launches.get(q["launch"])
            if found is None:
                self._send(400, {"error": "invalid_request", "detail": "unknown launch"})
                return
            patient, app_context = found
        else:  # standalone: the user would pick a patient here; the test EHR has one
            if "launch/patient" not in q.get("scope", ""):
                self._send(400, {"error": "invalid_scope"})
                return
            patient, app_context = self.state.standalone_patient, None
        code = secrets.token_urlsafe(16)
        self.state.codes[code] = Grant(CLIENT_ID, q["redirect_uri"], q["code_challenge"], patient,
                                       q.get("scope", ""), app_context)  # fmt: skip
        target = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
        self._send(302, None, {"Location": target})

    def do_POST(self) -> None:
        self.state.log.append(f"POST {self.path}")
        if self.path != "/auth/token":
            self._send(404, None)
            return
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        grant = self.state.codes.pop(form.get("code", ""), None)
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("client_id") != grant.client_id
            or form.get("redirect_uri") != grant.redirect_uri
            or _challenge(form.get("code_verifier", "")) != grant.challenge
        ):
            self._send(400, {"error": "invalid_grant"})
            return
        token = secrets.token_urlsafe(24)
        self.state.tokens[token] = grant.patient
        body = {"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                "scope": grant.scope, "patient": grant.patient}  # fmt: skip
        if grant.app_context:
            body["appContext"] = grant.app_context
        self._send(200, body)

    def _fhir(self, path: str, q: dict[str, str]) -> None:
        auth = self.headers.get("Authorization", "")
        patient = self.state.tokens.get(auth.removeprefix("Bearer ").strip())
        if path == "metadata":
            self._send(200, {"resourceType": "CapabilityStatement", "fhirVersion": "4.0.1"})
            return
        if patient is None:
            self._send(401, {"resourceType": "OperationOutcome"})
            return
        parts = path.split("/")
        if len(parts) == 2:
            found = self.state.resources.get((parts[0], parts[1]))
            allowed = parts[0] == "Patient" and parts[1] == patient
            self._send(200 if found and allowed else 404, found if allowed else None)
            return
        if q.get("patient") != patient:
            self._send(403, {"resourceType": "OperationOutcome"})
            return
        self._search(parts[0], patient, q)

    def _search(self, resource_type: str, patient: str, q: dict[str, str]) -> None:
        matches = [r for (t, _), r in sorted(self.state.resources.items())
                   if t == resource_type and (r.get("subject") or r.get("patient") or {})
                   .get("reference") == f"Patient/{patient}"]  # fmt: skip
        count = min(int(q.get("_count", self.state.page_size)), self.state.page_size)
        offset = int(q.get("_offset", 0))
        page = matches[offset : offset + count]
        links = []
        if offset + count < len(matches):
            nxt = urlencode({"patient": patient, "_count": count, "_offset": offset + count})
            links.append({"relation": "next", "url": f"{self.base}/fhir/{resource_type}?{nxt}"})
        self._send(200, {
            "resourceType": "Bundle", "type": "searchset", "total": len(matches), "link": links,
            "entry": [{"fullUrl": f"{self.base}/fhir/{resource_type}/{r['id']}", "resource": r,
                       "search": {"mode": "match"}} for r in page],
        })  # fmt: skip


class TestEhr:
    """Start with ``with TestEhr(state) as ehr``; ``ehr.fhir_base`` is the SMART ``iss``."""

    __test__ = False

    def __init__(self, state: EhrState) -> None:
        self.state = state
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.fhir_base = f"{self.base}/fhir"
        handler = type("Handler", (_Handler,), {"state": state, "base": self.base})
        self.server.RequestHandlerClass = handler
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TestEhr:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def smart_clients(self, folder: Path) -> Path:
        path = folder / "smart-clients.json"
        path.write_text(json.dumps({"servers": [
            {"issuer": self.fhir_base, "client_id": CLIENT_ID, "name": "Test EHR"}]}))  # fmt: skip
        return path
