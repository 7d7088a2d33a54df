# SPDX-License-Identifier: Apache-2.0
"""A test EHR for CDS Hooks: its own RSA key, JWKS, signed JWTs and orders."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ISSUER = "https://ehr.test.example"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


class FakeEhr:  # a real signer, only the EHR is simulated
    """Signs CDS Hooks JWTs (RS384, as the spec's examples) with a key it publishes."""

    def __init__(self, kid: str = "ehr-key-1") -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = kid

    def jwks(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "kid": self.kid,
                    "alg": "RS384",
                    "n": _uint(numbers.n),
                    "e": _uint(numbers.e),
                }
            ]
        }

    def client_file(self, folder: Path) -> Path:
        path = folder / "cds-clients.json"
        path.write_text(
            json.dumps({"clients": [{"issuer": ISSUER, "name": "Test EHR", "jwks": self.jwks()}]})
        )
        return path

    def token(
        self,
        audience: str,
        *,
        issuer: str = ISSUER,
        lifetime: int = 300,
        now: float | None = None,
        alg: str = "RS384",
    ) -> str:
        moment = int(now if now is not None else time.time())
        header = {"alg": alg, "typ": "JWT", "kid": self.kid}
        claims = {
            "iss": issuer,
            "sub": "ehr-client",
            "aud": audience,
            "exp": moment + lifetime,
            "iat": moment,
            "jti": f"j{moment}",
        }
        signed = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        signature = self.key.sign(signed.encode(), padding.PKCS1v15(), hashes.SHA384())
        return f"{signed}.{_b64(signature)}"


def medication_request(
    order_id: str, drug: str, rxnorm: str | None, dose: float, unit: str = "mg/m2"
) -> dict[str, Any]:
    coding = (
        [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": rxnorm, "display": drug}]
        if rxnorm
        else []
    )
    return {
        "resourceType": "MedicationRequest",
        "id": order_id,
        "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": {"coding": coding, "text": drug},
        "subject": {"reference": "Patient/PGX-IM"},
        "dosageInstruction": [
            {
                "text": f"{dose:g} {unit} twice daily",
                "doseAndRate": [
                    {
                        "doseQuantity": {
                            "value": dose,
                            "unit": unit,
                            "system": "http://unitsofmeasure.org",
                            "code": unit,
                        }
                    }
                ],
            }
        ],
    }


def hook_body(
    hook: str, patient: str, orders: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/123", "patientId": patient}
    if orders is not None:
        context["draftOrders"] = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": o} for o in orders],
        }
        if hook == "order-select":
            context["selections"] = [f"MedicationRequest/{o['id']}" for o in orders]
    return {
        "hook": hook,
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "fhirServer": "http://127.0.0.1/fhir",
        "context": context,
    }
