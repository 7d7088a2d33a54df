# SPDX-License-Identifier: Apache-2.0
"""CDS Hooks card latency (#21: < 200 ms): order-sign and patient-view on a real server.

Run: ``.venv/bin/python -m benchmarks.cds_cards [--requests N]`` (SQLite in benchmarks/out/).
A patient with a germline VCF (DPYD c.1905+1G>A heterozygous: intermediate metaboliser) is
imported through the import service; a real uvicorn on 127.0.0.1 answers signed CDS Hooks
calls (a fresh RS384 JWT per call, verified each time) over one keep-alive httpx connection.
Server time is measured inside the ASGI app; client time adds the loopback round trip. The
baseline in the same run is ``GET /cds-services`` (discovery: no JWT, no database).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import platform
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from tests.pharmacogenomics.vcfs import germline_vcf

from benchmarks.patient_page import ServerTimer, _cpu_model, _free_port, _percentile
from oncoboard.api.app import create_app
from oncoboard.ingest import service
from oncoboard.ingest.schemas import ImportOptions, SourceFile
from oncoboard.settings import Settings
from oncoboard.store.db import make_engine, unit_of_work
from oncoboard.store.migrate import upgrade

OUT = Path(__file__).parent / "out"
PATIENT = "BENCH-PGX"
ISSUER = "https://ehr.bench.example"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Signer:
    """The EHR's side: an RSA key, its JWKS, a signed JWT per call."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()

        def uint(value: int) -> str:
            return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))

        key = {
            "kty": "RSA",
            "kid": "k1",
            "alg": "RS384",
            "n": uint(numbers.n),
            "e": uint(numbers.e),
        }
        return {"keys": [key]}

    def token(self, audience: str, serial: int) -> str:
        now = int(time.time())
        header = {"alg": "RS384", "typ": "JWT", "kid": "k1"}
        claims = {"iss": ISSUER, "sub": "bench", "aud": audience, "exp": now + 300, "iat": now,
                  "jti": f"bench-{serial}"}  # fmt: skip
        signed = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        signature = self.key.sign(signed.encode(), padding.PKCS1v15(), hashes.SHA384())
        return f"{signed}.{_b64(signature)}"


def _order() -> dict[str, Any]:
    quantity = {"value": 1250, "unit": "mg/m2", "system": "http://unitsofmeasure.org",
                "code": "mg/m2"}  # fmt: skip
    return {
        "resourceType": "MedicationRequest", "id": "cape-1", "status": "draft", "intent": "order",
        "medicationCodeableConcept": {"text": "capecitabine 500 MG Oral Tablet"},
        "subject": {"reference": f"Patient/{PATIENT}"},
        "dosageInstruction": [{"doseAndRate": [{"doseQuantity": quantity}]}],
    }  # fmt: skip


def _body(hook: str) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/1", "patientId": PATIENT}
    if hook == "order-sign":
        context["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": _order()}]}  # fmt: skip
    return {"hook": hook, "hookInstance": "bench", "context": context}


def _setup(signer: Signer) -> tuple[Settings, Any]:
    OUT.mkdir(exist_ok=True)
    for stale in OUT.glob("cds.sqlite3*"):
        stale.unlink()
    clients = OUT / "cds-clients.json"
    clients.write_text(json.dumps({"clients": [{"issuer": ISSUER, "name": "Bench EHR",
                                                "jwks": signer.jwks()}]}))  # fmt: skip
    settings = Settings(env="test", database_url=f"sqlite:///{OUT / 'cds.sqlite3'}",
                        upload_dir=OUT / "uploads", cds_clients=clients)  # fmt: skip
    engine = make_engine(settings.database_url)
    upgrade(engine)
    vcf = germline_vcf(OUT / "cds-germline.vcf", {"DPYD *2A": "0/1"})
    with unit_of_work(engine) as session:
        service.import_source(session=session, source=SourceFile.from_path(vcf),
                              options=ImportOptions(patient=PATIENT), source_format="pgx-vcf")  # fmt: skip
    return settings, engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    args, _ = parser.parse_known_args()
    signer = Signer()
    settings, engine = _setup(signer)
    timer = ServerTimer(create_app(settings, engine=engine))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(timer, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    calls = {
        "baseline: GET /cds-services (discovery)": ("/cds-services", None),
        "order-sign, capecitabine, DPYD IM → 50 % card": (
            "/cds-services/oncoboard-pgx-order-sign", "order-sign"),
        "patient-view → PGx card": ("/cds-services/oncoboard-patient-view", "patient-view"),
    }  # fmt: skip
    rows = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for label, (path, hook) in calls.items():
            serial = 0

            def call(path: str = path, hook: str | None = hook) -> httpx.Response:
                nonlocal serial
                serial += 1
                if hook is None:
                    return client.get(path)
                jwt = signer.token(base + path, serial)
                return client.post(path, json=_body(hook),
                                   headers={"Authorization": f"Bearer {jwt}"})  # fmt: skip

            for _ in range(5):
                call().raise_for_status()
            timer.times.clear()
            client_times, cards = [], 0
            for _ in range(args.requests):
                began = time.perf_counter()
                response = call()
                client_times.append(time.perf_counter() - began)
                response.raise_for_status()
                cards = len(response.json().get("cards", response.json().get("services", [])))
            rows.append((label, next(iter(timer.times.values())), client_times, cards))
    server.should_exit = True
    thread.join(timeout=10)
    print(f"# CDS Hooks card latency — {dt.date.today().isoformat()}\n")
    print(f"- machine: {_cpu_model()}, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}; {args.requests} calls each after 5 warm-up")  # fmt: skip
    print("| call | server p50 ms | server p95 ms | client p50 ms | client p95 ms | cards |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, server_times, client_times, cards in rows:
        ms = [1000 * _percentile(v, q) for v in (server_times, client_times) for q in (50, 95)]
        print(f"| {label} | {ms[0]:.1f} | {ms[1]:.1f} | {ms[2]:.1f} | {ms[3]:.1f} | {cards} |")


if __name__ == "__main__":
    main()
