# SPDX-License-Identifier: Apache-2.0
"""GA4GH Beacon v2 documents (framework v2.1.1, default model): requests read into a
:class:`CohortQuery`, answers written as ``beaconBooleanResponse``/``beaconCountResponse`` and
the informational endpoints. Tests validate every document against the published schemas.

Record-level granularity is never offered: a site answers with counts at most, and below its
threshold only with a boolean and a range (in ``info.oncoboard``, the schema's place for
attributes outside the specification).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from oncoboard import __version__
from oncoboard.errors import InputError, Problem
from oncoboard.federation.schemas import (
    CohortQuery,
    CountAnswer,
    EntryType,
    Granularity,
    SitePolicy,
)
from oncoboard.federation.terms import filtering_terms, read_query

API_VERSION = "v2.1.1"
SCHEMA_URL = "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/framework/json/"
# entry-type ids, terms and default schema ids as the default model's beaconConfiguration.json
# (beacon-v2 v2.1.1, models/json/beacon-v2-default-model) declares them
ENTITY = {"individuals": "individual", "g_variants": "genomicVariant"}
SCHEMA = {
    "individuals": "ga4gh-beacon-individual-v2.0.0",
    "g_variants": "ga4gh-beacon-variant-v2.0.0",
}
_PARAMETERS = (
    "assemblyId",
    "referenceName",
    "start",
    "referenceBases",
    "alternateBases",
    "geneId",
    "aminoacidChange",
)


class BeaconRequest:
    """A Beacon request as received: the query, the granularity asked for, the echo."""

    def __init__(
        self, query: CohortQuery, granularity: Granularity, summary: dict[str, Any]
    ) -> None:
        self.query = query
        self.granularity = granularity
        self.summary = summary


def read_get(entry_type: EntryType, params: Mapping[str, str]) -> BeaconRequest:
    """``GET …/individuals?filters=oncotree:LUAD,NCIT:C16576&requestedGranularity=count``."""
    filters = [f.strip() for f in params.get("filters", "").split(",") if f.strip()]
    parameters = {name: params[name] for name in _PARAMETERS if params.get(name)}
    unknown = sorted(set(params) - {"filters", "requestedGranularity", *_PARAMETERS})
    problems = [
        Problem("request", "query string", name, params[name], "a Beacon parameter")
        for name in unknown
    ]
    return _read(entry_type, filters, parameters, params.get("requestedGranularity"), problems)


def read_post(entry_type: EntryType, body: object) -> BeaconRequest:
    """A ``beaconRequestBody`` (an empty body asks about everyone, as a boolean)."""
    document = body if isinstance(body, Mapping) else {}
    if body not in (None, b"", {}) and not isinstance(body, Mapping):
        raise InputError(
            "the request body must be a Beacon request object",
            [Problem("request", "body", "body", str(body)[:80], "a JSON object")],
        )
    query = document.get("query") or {}
    if not isinstance(query, Mapping):
        raise InputError(
            "query must be an object",
            [Problem("request", "body", "query", str(query), "an object")],
        )
    filters = query.get("filters") or []
    parameters = query.get("requestParameters") or {}
    problems: list[Problem] = []
    if not isinstance(filters, list):
        problems.append(Problem("request", "query", "filters", str(filters), "a list"))
        filters = []
    if not isinstance(parameters, Mapping):
        problems.append(
            Problem("request", "query", "requestParameters", str(parameters), "an object")
        )
        parameters = {}
    return _read(entry_type, filters, parameters, query.get("requestedGranularity"), problems)


def _read(
    entry_type: EntryType,
    filters: list[Any],
    parameters: Mapping[str, Any],
    granularity: object,
    problems: list[Problem],
) -> BeaconRequest:
    wanted = str(granularity or "boolean")
    if wanted not in ("boolean", "count", "record"):
        problems.append(
            Problem("request", "query", "requestedGranularity", wanted, "boolean, count or record")
        )
    try:
        query = read_query(filters, parameters)
    except InputError as error:
        problems = [*problems, *error.problems]
        query = CohortQuery()
    if problems:
        raise InputError(f"{len(problems)} problem(s) in the Beacon request", problems)
    summary = {
        "apiVersion": API_VERSION,
        "requestedSchemas": [{"entityType": ENTITY[entry_type], "schema": SCHEMA[entry_type]}],
        "pagination": {"skip": 0, "limit": 0},
        "requestedGranularity": wanted,
        "filters": [f if isinstance(f, str) else str(f.get("id")) for f in filters],
        # the framework's requestParameters maps an entity to an object of its parameters
        "requestParameters": {"g_variant": dict(parameters)} if parameters else {},
        "includeResultsetResponses": "HIT",
        "testMode": False,
    }
    # record granularity is answered as a count: no record ever leaves the site
    return BeaconRequest(query, "boolean" if wanted == "boolean" else "count", summary)


def count_response(
    entry_type: EntryType, request: BeaconRequest, answer: CountAnswer, policy: SitePolicy
) -> dict[str, Any]:
    summary: dict[str, Any] = {"exists": answer.exists}
    if answer.granularity == "count" and answer.count is not None:
        summary["numTotalResults"] = answer.count
    return {
        "meta": {
            "beaconId": policy.beacon_id,
            "apiVersion": API_VERSION,
            "returnedSchemas": request.summary["requestedSchemas"],
            "returnedGranularity": answer.granularity,
            "receivedRequestSummary": request.summary,
            "testMode": False,
        },
        "responseSummary": summary,
        "info": {"oncoboard": answer_info(answer, request.query)},
    }


def answer_info(answer: CountAnswer, query: CohortQuery) -> dict[str, Any]:
    """What the Beacon schema has no field for: the range, why, the noise, the budget."""
    info: dict[str, Any] = {
        "answer": answer.model_dump(mode="json", exclude_none=True),
        "label": answer.label(),
        "query": query.describe(),
        "queryKey": query.key(),
        "purpose": "federated_analysis",
        "consent": "only individuals whose consent for federated analysis is in force are counted",
    }
    return info


def error_response(policy: SitePolicy, entry_type: EntryType, error: InputError) -> dict[str, Any]:
    schemas = [{"entityType": ENTITY[entry_type], "schema": SCHEMA[entry_type]}]
    received = {
        "apiVersion": API_VERSION,
        "requestedSchemas": schemas,
        "pagination": {"skip": 0, "limit": 0},
        "requestedGranularity": "boolean",
    }
    return {
        "meta": {
            "beaconId": policy.beacon_id,
            "apiVersion": API_VERSION,
            "returnedSchemas": schemas,
            "returnedGranularity": "boolean",
            "receivedRequestSummary": received,
        },
        "error": {"errorCode": 400, "errorMessage": str(error)},
        "info": {"oncoboard": {"problems": [p.as_dict() for p in error.problems]}},
    }


def _meta(policy: SitePolicy, entity: str, schema: str) -> dict[str, Any]:
    return {
        "beaconId": policy.beacon_id,
        "apiVersion": API_VERSION,
        "returnedSchemas": [{"entityType": entity, "schema": schema}],
    }


def info_response(policy: SitePolicy, environment: str) -> dict[str, Any]:
    return {
        "meta": _meta(policy, "info", "beacon-info-v2.0.0"),
        "response": {
            "id": policy.beacon_id,
            "name": policy.site_name,
            "apiVersion": API_VERSION,
            "environment": {"prod": "prod", "test": "test"}.get(environment, "dev"),
            "organization": {"id": policy.beacon_id, "name": policy.site_name},
            "description": "OncoBoard site node: aggregate answers over consented patients only.",
            "version": __version__,
            "info": {"oncoboard": disclosure(policy)},
        },
    }


def disclosure(policy: SitePolicy) -> dict[str, Any]:
    """The site's disclosure policy, as every answer follows it."""
    return {
        "minCount": policy.min_count,
        "differentialPrivacy": policy.dp_enabled,
        "epsilonPerQuery": policy.epsilon_per_query if policy.dp_enabled else None,
        "epsilonBudget": policy.epsilon_budget if policy.dp_enabled else None,
        "budgetWindowDays": policy.budget_window_days if policy.dp_enabled else None,
        "granularities": ["boolean", "count"],
    }


def _entry_type(entry_type: EntryType) -> dict[str, Any]:
    names = {
        "individuals": ("individual", "Individual", "NCIT:C25190", "Person"),
        "g_variants": ("genomicVariant", "Genomic variation", "ENSGLOSSARY:0000092", "Variant"),
    }
    entry_id, name, term, label = names[entry_type]
    return {
        "id": entry_id,
        "name": name,
        "ontologyTermForThisType": {"id": term, "label": label},
        "partOfSpecification": "Beacon v2.0.0",
        "defaultSchema": {
            "id": SCHEMA[entry_type],
            "name": f"Default schema for {name.lower()}",
            "referenceToSchemaDefinition": f"{SCHEMA_URL.replace('framework', 'models')}"
            f"beacon-v2-default-model/{'individuals' if entry_type == 'individuals' else 'genomicVariations'}/defaultSchema.json",
            "schemaVersion": "v2.0.0",
        },
        "nonFilteredQueriesAllowed": True,
    }


def entry_types() -> dict[str, Any]:
    return {"individual": _entry_type("individuals"), "genomicVariant": _entry_type("g_variants")}


def configuration_response(policy: SitePolicy, environment: str) -> dict[str, Any]:
    status = {"prod": "PROD", "test": "TEST"}.get(environment, "DEV")
    return {
        "meta": _meta(policy, "configuration", "beacon-configuration-v2.0.0"),
        "response": {
            "$schema": SCHEMA_URL + "configuration/beaconConfigurationSchema.json",
            "maturityAttributes": {"productionStatus": status},
            "securityAttributes": {
                "defaultGranularity": "boolean",
                "securityLevels": ["CONTROLLED"],
            },
            "entryTypes": entry_types(),
        },
    }


def entry_types_response(policy: SitePolicy) -> dict[str, Any]:
    return {
        "meta": _meta(policy, "entryType", "beacon-entry-types-v2.0.0"),
        "response": {"entryTypes": entry_types()},
    }


def map_response(policy: SitePolicy, root: str) -> dict[str, Any]:
    return {
        "meta": _meta(policy, "map", "beacon-map-v2.0.0"),
        "response": {
            "$schema": SCHEMA_URL + "configuration/beaconMapSchema.json",
            "endpointSets": {
                "individual": {"entryType": "individual", "rootUrl": f"{root}/individuals"},
                "genomicVariant": {
                    "entryType": "genomicVariant",
                    "rootUrl": f"{root}/g_variants",
                },
            },
        },
    }


def filtering_terms_response(policy: SitePolicy) -> dict[str, Any]:
    return {
        "meta": _meta(policy, "filteringTerm", "beacon-filtering-terms-v2.0.0"),
        "response": {
            "filteringTerms": filtering_terms(),
            "resources": [
                {
                    "id": "oncotree",
                    "name": "OncoTree",
                    "version": "2021_11_02 and 2025_10_03",
                    "url": "https://oncotree.mskcc.org",
                    "nameSpacePrefix": "oncotree",
                },
                {"id": "ncit", "name": "NCI Thesaurus", "nameSpacePrefix": "NCIT"},
            ],
        },
    }


def request_body(query: CohortQuery, granularity: Granularity) -> dict[str, Any]:
    """The Beacon request a coordinator sends for ``query`` (read back by :func:`read_post`)."""
    filters: list[dict[str, Any]] = [
        {"id": f"oncotree:{t.code}", "includeDescendantTerms": t.descendants}
        for t in query.tumor_types
    ]
    if query.sex:
        filters.append({"id": f"sex:{query.sex}"})
    if query.age_min is not None:
        filters.append({"id": "age", "operator": ">=", "value": str(query.age_min)})
    if query.age_max is not None:
        filters.append({"id": "age", "operator": "<=", "value": str(query.age_max)})
    filters += [{"id": f"stage:{s}", "includeDescendantTerms": True} for s in query.stages]
    filters += [{"id": f"treatment:{c}"} for c in query.treatment_classes]
    parameters: dict[str, Any] = {}
    variant = query.variant
    if variant is not None:
        named = {
            "geneId": variant.gene,
            "aminoacidChange": variant.protein,
            "assemblyId": variant.genome_build,
            "referenceName": variant.chrom,
            "start": variant.pos - 1 if variant.pos else None,
            "referenceBases": variant.ref,
            "alternateBases": variant.alt,
        }
        parameters = {k: v for k, v in named.items() if v is not None}
    body: dict[str, Any] = {"filters": filters, "requestedGranularity": granularity}
    if parameters:
        body["requestParameters"] = parameters
    return {"meta": {"apiVersion": API_VERSION}, "query": body}


_ALLELE = re.compile(
    r"^(GRCh3[78]|hg19|hg38):(?:chr)?([0-9XYMT]{1,2}):(\d+):([ACGTN]+):([ACGTN]+)$", re.I
)
_AGE_WORD = re.compile(r"^age(?:[:=])?(\d{1,3})?-(\d{1,3})?$|^age(>=|<=|>|<|=)(\d{1,3})$")


def query_from_words(words: list[str]) -> CohortQuery:
    """CLI filters: Beacon term ids, ``age:40-70``/``age>=50``, ``gene:EGFR[:L858R]`` and a
    genomic allele ``GRCh38:7:55191822:T:G`` (1-based position, as in VCF)."""
    filters: list[Any] = []
    parameters: dict[str, Any] = {}
    for word in words:
        allele, age = _ALLELE.match(word), _AGE_WORD.match(word)
        if allele:
            parameters.update(
                assemblyId=allele[1],
                referenceName=allele[2],
                start=int(allele[3]) - 1,
                referenceBases=allele[4].upper(),
                alternateBases=allele[5].upper(),
            )
        elif age and age[3]:
            filters.append({"id": "age", "operator": age[3], "value": age[4]})
        elif age:
            filters += [
                {"id": "age", "operator": op, "value": v}
                for op, v in ((">=", age[1]), ("<=", age[2]))
                if v
            ]
        else:
            filters.append(word)
    return read_query(filters, parameters, source="command line")
