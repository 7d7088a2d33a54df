# SPDX-License-Identifier: Apache-2.0
"""Security over real HTTP: roles, consent, IDOR, tokens, CSRF, injection, brute force, secrets."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import Engine, update

from oncoboard.governance import audit
from oncoboard.governance.models import ApiTokenRow
from oncoboard.governance.vocabulary import Role
from oncoboard.store.db import unit_of_work
from tests.conftest import TEST_PASSWORD, LiveServer, make_user
from tests.support import import_file, row_counts

HEADER = "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\tTumor_Sample_Barcode\n"


@pytest.fixture
def two_patients(engine: Engine, tmp_path: Path) -> Engine:
    path = tmp_path / "two.maf"
    path.write_text(
        HEADER + "BRAF\tGRCh38\t7\t140753336\tA\tT\tPT-A\nKRAS\tGRCh38\t12\t25245350\tC\tT\tPT-B\n"
    )
    import_file(engine, path)
    return engine


def test_wrong_role_is_403_naming_role_and_purpose(
    two_patients: Engine, live_server: LiveServer
) -> None:
    token = make_user(two_patients, "res", [Role.RESEARCHER])
    response = live_server.client(token).get("/api/v1/patients/PT-A")
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "researcher may not view_record for purpose treatment" in response.json()["detail"]


def test_withdrawn_consent_is_403_naming_purpose_and_date(
    two_patients: Engine, live_server: LiveServer
) -> None:
    api = live_server.client()
    assert api.get("/api/v1/patients/PT-A").status_code == 200
    withdrawn = api.post(
        "/api/v1/patients/PT-A/consent",
        json={"purpose": "treatment", "status": "withdrawn", "source": "letter 2026-11-26"},
    )
    assert withdrawn.status_code == 201
    refused = api.get("/api/v1/patients/PT-A")
    today = datetime.now(UTC).date().isoformat()
    assert (
        refused.status_code == 403
        and f"consent for treatment was withdrawn on {today}" in refused.json()["detail"]
    )
    assert api.get("/api/v1/patients/PT-B").status_code == 200
    listed = api.get("/api/v1/patients").json()
    assert [p["patient_id"] for p in listed["items"]] == ["PT-B"]
    overview = api.get("/api/v1/patients/PT-A/consent").json()
    assert [e["status"] for e in overview["history"]] == ["withdrawn"]


def test_patient_reading_another_patient_gets_the_same_404_as_a_missing_one(
    two_patients: Engine, live_server: LiveServer
) -> None:
    token = make_user(two_patients, "pat-a", [Role.PATIENT], patient="PT-A")
    api = live_server.client(token)
    assert api.get("/api/v1/patients/PT-A").status_code == 200
    other, missing = api.get("/api/v1/patients/PT-B"), api.get("/api/v1/patients/PT-ZZZ")
    assert other.status_code == missing.status_code == 404
    assert other.json()["detail"].replace("PT-B", "X") == missing.json()["detail"].replace(
        "PT-ZZZ", "X"
    )
    assert [p["patient_id"] for p in api.get("/api/v1/patients").json()["items"]] == ["PT-A"]
    assert api.get("/api/v1/patients/PT-B/variants").status_code == 404


def test_expired_and_revoked_tokens_are_refused(
    two_patients: Engine, live_server: LiveServer
) -> None:
    token = make_user(two_patients, "short", [Role.CLINICIAN])
    api = live_server.client(token)
    assert api.get("/api/v1/me").status_code == 200
    with unit_of_work(two_patients) as session:
        session.execute(
            update(ApiTokenRow).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    expired = api.get("/api/v1/me")
    assert expired.status_code == 401 and "token expired" in expired.json()["detail"]
    issued = httpx.post(
        f"{live_server.url}/api/v1/auth/token",
        json={"username": "short", "password": TEST_PASSWORD},
    ).json()
    fresh = live_server.client(issued["token"])
    assert fresh.get("/api/v1/me").json()["username"] == "short"
    assert fresh.delete(f"/api/v1/auth/tokens/{issued['detail']['id']}").status_code == 200
    revoked = fresh.get("/api/v1/me")
    assert revoked.status_code == 401 and "token revoked" in revoked.json()["detail"]


def _logged_in(live_server: LiveServer) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=live_server.url, follow_redirects=False)
    page = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    response = client.post(
        "/login",
        data={
            "username": "dr-test",
            "password": TEST_PASSWORD,
            "csrf_token": csrf.group(1),
            "next": "/",
        },
    )
    assert response.status_code == 303
    # the token rotates at login: take the one the next page carries
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert fresh is not None and fresh.group(1) != csrf.group(1)
    return client, fresh.group(1)


def test_cookie_form_post_without_csrf_token_is_refused(
    two_patients: Engine, live_server: LiveServer
) -> None:
    client, csrf = _logged_in(live_server)
    try:
        form = {"purpose": "research", "status": "granted", "source": "form 7"}
        refused = client.post("/patients/PT-A/consent", data=form)
        assert refused.status_code == 403 and "CSRF" in refused.text
        wrong = client.post("/patients/PT-A/consent", data={**form, "csrf_token": "forged"})
        assert wrong.status_code == 403
        accepted = client.post("/patients/PT-A/consent", data={**form, "csrf_token": csrf})
        assert accepted.status_code == 303
        history = live_server.client().get("/api/v1/patients/PT-A/consent").json()["history"]
        assert [(e["purpose"], e["status"]) for e in history] == [("research", "granted")]
    finally:
        client.close()


INJECTIONS = [
    "' OR '1'='1",
    "PT-A'; DROP TABLE patients; --",
    '" OR 1=1 --',
    "%' OR 1=1 --",
    "PT-A\x00",
    "../../etc/passwd",
]


@pytest.mark.parametrize("attack", INJECTIONS)
def test_sql_injection_in_parameters_changes_nothing(
    two_patients: Engine, live_server: LiveServer, attack: str
) -> None:
    before = row_counts(two_patients)
    api = live_server.client()
    searched = api.get("/api/v1/patients", params={"q": attack})
    if "\x00" in attack:
        assert searched.status_code == 422 and "control characters" in searched.json()["detail"]
    else:
        assert searched.status_code == 200 and searched.json()["total"] == 0
    assert api.get(f"/api/v1/patients/{quote(attack, safe='')}").status_code in (404, 422)
    variants = api.get("/api/v1/patients/PT-A/variants", params={"gene": attack})
    assert variants.status_code == 422 or variants.json()["total"] == 0
    page = api.get("/", params={"q": attack})
    assert page.status_code in (200, 422)
    assert row_counts(two_patients) == before
    with two_patients.connect() as connection:
        assert audit.verify(connection).ok


def test_login_brute_force_is_rate_limited(two_patients: Engine, live_server: LiveServer) -> None:
    url = f"{live_server.url}/api/v1/auth/token"
    for _ in range(5):
        assert (
            httpx.post(
                url, json={"username": "dr-test", "password": "guess-guess-guess"}
            ).status_code
            == 401
        )
    locked = httpx.post(url, json={"username": "dr-test", "password": TEST_PASSWORD})
    assert locked.status_code == 429 and "too many failed logins" in locked.json()["detail"]
    # another account is not affected
    make_user(two_patients, "other", [Role.NURSE])
    assert httpx.post(url, json={"username": "other", "password": TEST_PASSWORD}).status_code == 201


def test_secrets_never_appear_in_error_bodies_or_the_audit_trail(
    two_patients: Engine, live_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    secret_password = "very-secret-password-42"
    failed = httpx.post(
        f"{live_server.url}/api/v1/auth/token",
        json={"username": "dr-test", "password": secret_password},
    )
    assert failed.status_code == 401 and secret_password not in failed.text
    bad_token = "obt_this-is-a-made-up-secret-token-value"
    refused = live_server.client(bad_token).get("/api/v1/me")
    assert refused.status_code == 401 and bad_token not in refused.text
    officer = {"Authorization": f"Bearer {make_user(two_patients, 'qo', [Role.QUALITY_OFFICER])}"}
    first = httpx.get(f"{live_server.url}/api/v1/audit/export", headers=officer)
    # the export's own access is chained when its request commits: the next export shows it
    exported = httpx.get(f"{live_server.url}/api/v1/audit/export", headers=officer)
    assert first.status_code == exported.status_code == 200
    assert "wrong username or password" in first.text
    assert exported.text.startswith(first.text)
    assert '"object": "audit trail: export"' in exported.text[len(first.text) :]
    for secret in (secret_password, bad_token, live_server.token):
        assert secret not in exported.text
        assert secret not in caplog.text
