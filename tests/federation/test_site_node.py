# SPDX-License-Identifier: Apache-2.0
"""The Beacon v2 site node over a real database (SQLite and PostgreSQL) and a real HTTP server:
counts equal the cohort's files for consented individuals only, small counts are ranges, a
differencing pair is not answered exactly, every document validates against the GA4GH schemas."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from oncoboard.governance.models import AuditRow
from oncoboard.governance.vocabulary import Role
from oncoboard.store.db import unit_of_work
from tests.conftest import LiveServer, make_user
from tests.federation.support import (
    Truth,
    admin_actor,
    allele_with,
    beacon_errors,
    load_cohort,
    set_consent,
    truth,
)

pytestmark = pytest.mark.shared
PART, PARTS = 1, 24  # 105 individuals of the 2,504: enough for every case, quick on both backends


@pytest.fixture
def site(engine: Engine, live_server: LiveServer) -> tuple[LiveServer, Truth, set[str], str]:
    report = load_cohort(engine, PART, PARTS, admin_actor(engine))
    known = truth(PART, PARTS)
    assert sorted(report.patients) == sorted(known.ids)
    consented = {p for n, p in enumerate(sorted(known.ids)) if n % 7 != 0}
    set_consent(engine, sorted(consented))
    # a later withdrawal wins over the grant before it
    withdrawn = sorted(consented)[0]
    set_consent(engine, [withdrawn], status="withdrawn")
    consented.discard(withdrawn)
    token = make_user(engine, "dr-research", [Role.RESEARCHER])
    return live_server, known, consented, token


def _count(document: dict[str, Any]) -> int:
    assert document["meta"]["returnedGranularity"] == "count", document
    assert not beacon_errors(document, "responses/beaconCountResponse.json")
    return int(document["responseSummary"]["numTotalResults"])


def test_counts_equal_the_cohort_files_for_consented_individuals(site: Any) -> None:
    server, known, consented, token = site
    client = server.client(token)
    everyone = client.get("/api/beacon/individuals", params={"requestedGranularity": "count"})
    assert everyone.status_code == 200, everyone.text
    assert _count(everyone.json()) == known.count(consented) < len(known.ids)
    females = client.get(
        "/api/beacon/individuals",
        params={"filters": "NCIT:C16576", "requestedGranularity": "count"},
    ).json()
    assert _count(females) == known.count(consented, sex="female")
    older = client.post(
        "/api/beacon/individuals",
        json={"meta": {"apiVersion": "v2.0"}, "query": {"requestedGranularity": "count",
              "filters": [{"id": "age", "operator": ">=", "value": "P50Y"}, {"id": "sex:male"}]}},
    ).json()  # fmt: skip
    assert _count(older) == known.count(consented, sex="male", age_min=50)
    allele = allele_with(known, consented, 12, 40)
    carriers = client.post(
        "/api/beacon/individuals",
        json={"meta": {"apiVersion": "v2.0"}, "query": {"requestedGranularity": "count",
              "requestParameters": {"assemblyId": "GRCh37", "referenceName": "22",
                                    "start": allele[0] - 1, "referenceBases": allele[1],
                                    "alternateBases": allele[2]}}},
    ).json()  # fmt: skip
    assert _count(carriers) == known.count(consented, allele=allele)
    text = everyone.text + females.__repr__() + str(carriers)
    assert not any(person in text for person in known.ids)  # no direct identifier leaves


def test_small_counts_are_ranges_and_variants_are_found_by_allele(site: Any) -> None:
    server, known, consented, token = site
    allele = allele_with(known, consented, 1, 4)
    params = {"assemblyId": "GRCh37", "referenceName": "22", "start": allele[0] - 1,
              "referenceBases": allele[1], "alternateBases": allele[2], "requestedGranularity": "count"}  # fmt: skip
    answer = server.client(token).get("/api/beacon/individuals", params=params).json()
    assert not beacon_errors(answer, "responses/beaconBooleanResponse.json")
    assert answer["meta"]["returnedGranularity"] == "boolean"
    assert answer["responseSummary"] == {"exists": True}
    released = answer["info"]["oncoboard"]["answer"]
    assert (released["low"], released["high"], released["exact"]) == (1, 4, False)
    variant = server.client(token).get("/api/beacon/g_variants", params=params).json()
    assert variant["responseSummary"]["exists"] is True
    assert "numTotalResults" not in variant["responseSummary"]  # too few carriers to count
    absent = {**params, "alternateBases": "N" if allele[2] != "N" else "A", "start": 1}
    none = server.client(token).get("/api/beacon/g_variants", params=absent).json()
    assert none["responseSummary"] == {"exists": False, "numTotalResults": 0}


def test_differencing_two_queries_cannot_isolate_a_patient(site: Any, engine: Engine) -> None:
    server, known, consented, token = site
    client = server.client(token)
    query = {"filters": "NCIT:C16576", "requestedGranularity": "count"}
    first = _count(client.get("/api/beacon/individuals", params=query).json())
    # one more woman consents: asking again would reveal her by the difference of one
    newcomer = next(p for p in sorted(known.ids) if p not in consented and known.sex[p] == "female")
    set_consent(engine, [newcomer])
    second = client.get("/api/beacon/individuals", params=query).json()
    assert second["meta"]["returnedGranularity"] == "boolean"
    assert "numTotalResults" not in second["responseSummary"]
    released = second["info"]["oncoboard"]["answer"]
    assert (
        released["low"] <= first + 1 <= released["high"] and released["high"] - released["low"] == 4
    )
    assert "differencing" in released["reason"]
    # the same question about the same people is answered exactly again
    set_consent(engine, [newcomer], status="withdrawn")
    assert _count(client.get("/api/beacon/individuals", params=query).json()) == first


def test_unknown_filter_terms_are_located_errors_not_zero(site: Any) -> None:
    server, _, _, token = site
    response = server.client(token).get(
        "/api/beacon/individuals",
        params={"filters": "oncotree:NOTATYPE,foo:bar,stage:VII", "requestedGranularity": "count"},
    )
    assert response.status_code == 400
    document = response.json()
    assert not beacon_errors(document, "responses/beaconErrorResponse.json")
    message = document["error"]["errorMessage"]
    assert "NOTATYPE" in message and "foo:bar" in message and "stage:VII" in message
    assert "numTotalResults" not in response.text


def test_informational_documents_validate(site: Any) -> None:
    server, _, _, token = site
    client = server.client(token)
    for path, schema in (
        ("/api/beacon/", "responses/beaconInfoResponse.json"),
        ("/api/beacon/info", "responses/beaconInfoResponse.json"),
        ("/api/beacon/configuration", "responses/beaconConfigurationResponse.json"),
        ("/api/beacon/map", "responses/beaconMapResponse.json"),
        ("/api/beacon/entry_types", "responses/beaconEntryTypesResponse.json"),
        ("/api/beacon/filtering_terms", "responses/beaconFilteringTermsResponse.json"),
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text)
        assert not beacon_errors(response.json(), schema), path
    terms = {
        t["id"]
        for t in client.get("/api/beacon/filtering_terms").json()["response"]["filteringTerms"]
    }
    assert {
        "oncotree:LUAD",
        "NCIT:C16576",
        "stage:IV",
        "treatment:immune-checkpoint-inhibitor",
    } <= terms


def test_every_query_is_audited_and_other_roles_are_refused(site: Any, engine: Engine) -> None:
    server, _, _, token = site
    before = _audit(engine, "dr-research")
    server.client(token).get("/api/beacon/individuals", params={"filters": "NCIT:C20197"})
    entries = _audit(engine, "dr-research")[len(before) :]
    assert [(e.action, e.outcome) for e in entries] == [("query_aggregate", "allowed")] * 2
    assert "NCIT" not in entries[0].object and "sex:male" in entries[0].object
    assert entries[1].reason.startswith("released")
    nurse = make_user(engine, "nurse-n", [Role.NURSE])
    refused = server.client(nurse).get("/api/beacon/individuals")
    assert refused.status_code == 403
    assert [e.outcome for e in _audit(engine, "nurse-n")] == ["denied"]


def _audit(engine: Engine, actor: str) -> list[AuditRow]:
    with unit_of_work(engine) as session:
        return list(
            session.scalars(select(AuditRow).where(AuditRow.actor == actor).order_by(AuditRow.id))
        )


def audit_count(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return int(session.scalar(select(func.count()).select_from(AuditRow)) or 0)
