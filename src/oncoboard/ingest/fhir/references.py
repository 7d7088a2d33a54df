# SPDX-License-Identifier: Apache-2.0
"""Resolve FHIR references in all five styles, inside a Bundle or a single resource.

Rule (documented in the importer notes and the tests):

* Inside a Bundle, the reference that says *whose* a fact is (``subject`` / ``patient``) must
  resolve to a Patient entry of the bundle (or a contained Patient); otherwise the entry is a
  located problem and nothing is imported. A bundle that names a patient it does not carry is
  an incomplete export, and filing its facts under a guessed key would be wrong.
* Every other reference (performer, specimen, hasMember, result …) may point outside the
  bundle: mCODE's own Jenny M. collection bundle does so 19 times. Those are counted in the
  import notes and not followed.
* A single-resource file or an NDJSON line stands alone (Bulk Data splits resources by type):
  its subject names the patient by id (``Patient/123``, ``…/Patient/123``, ``urn:uuid:X``).
  A conditional reference (``Patient?identifier=system|value``) can only be resolved against
  resources in hand; alone it needs ``--patient``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from oncoboard.ingest.fhir.values import Json


@dataclass(frozen=True)
class Target:
    """A resolved reference: the resource, or why it is not available."""

    resource: Json | None
    resource_type: str | None
    id: str | None
    status: str  # "resolved", "external" (outside the bundle/file), "unresolvable"


def parse_literal(reference: str) -> tuple[str | None, str | None]:
    """(type, id) of a relative or absolute literal reference; ``_history`` is ignored."""
    path = reference.split("?")[0].rstrip("/")
    parts = path.split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2 and parts[-2][:1].isupper():
        return parts[-2], parts[-1]
    return None, None


def _identifier_keys(resource: Json) -> list[tuple[str, str, str]]:
    out = []
    for ident in resource.get("identifier", []) or []:
        if isinstance(ident, dict) and ident.get("value"):
            out.append(
                (resource["resourceType"], str(ident.get("system", "")), str(ident["value"]))
            )
    return out


@dataclass
class ResourceIndex:
    """Every resource of one Bundle (or one standalone resource), addressable all five ways."""

    closed: bool
    resources: list[Json] = field(default_factory=list)
    by_full_url: dict[str, Json] = field(default_factory=dict)
    by_type_id: dict[tuple[str, str], Json] = field(default_factory=dict)
    by_identifier: dict[tuple[str, str, str], Json] = field(default_factory=dict)
    full_url_of: dict[int, str] = field(default_factory=dict)
    focus_of: dict[int, list[Json]] = field(default_factory=lambda: defaultdict(list))

    def add(self, resource: Json, full_url: str | None) -> None:
        self.resources.append(resource)
        if full_url:
            self.by_full_url[full_url] = resource
            self.full_url_of[id(resource)] = full_url
        if resource.get("id"):
            self.by_type_id[(resource["resourceType"], str(resource["id"]))] = resource
        for key in _identifier_keys(resource):
            self.by_identifier.setdefault(key, resource)

    def link_focus(self) -> None:
        """Index Observation.focus → target, so a Condition finds its staging Observations."""
        for resource in self.resources:
            if resource.get("resourceType") != "Observation":
                continue
            for ref in resource.get("focus", []) or []:
                target = self.resolve(ref, resource)
                if target.resource is not None:
                    self.focus_of[id(target.resource)].append(resource)

    def key_of(self, resource: Json) -> str | None:
        """A stable id: ``Resource.id``, else the tail of its ``fullUrl`` (``urn:uuid:…``)."""
        if resource.get("id"):
            return str(resource["id"])
        full_url = self.full_url_of.get(id(resource))
        return full_url.rsplit(":", 1)[-1].rsplit("/", 1)[-1] if full_url else None

    def resolve(self, ref: Json | None, container: Json) -> Target:
        """Resolve a Reference element against the container's ``contained`` and the index."""
        text = str((ref or {}).get("reference") or "")
        if not text:
            return Target(None, None, None, "unresolvable")
        if text.startswith("#"):
            for inner in container.get("contained", []) or []:
                if isinstance(inner, dict) and inner.get("id") == text[1:]:
                    return Target(inner, inner.get("resourceType"), text[1:], "resolved")
            return Target(None, None, text[1:], "unresolvable")
        if "?" in text:
            return self._conditional(text)
        found = self.by_full_url.get(text)
        if found is None:
            type_name, ident = parse_literal(text)
            if type_name and ident:
                found = self.by_type_id.get((type_name, ident))
                if found is None:
                    return Target(None, type_name, ident, "external")
            elif text.startswith("urn:"):
                return Target(None, None, text.rsplit(":", 1)[-1], "external")
            else:
                return Target(None, None, None, "unresolvable")
        return Target(found, found.get("resourceType"), self.key_of(found), "resolved")

    def _conditional(self, text: str) -> Target:
        type_name, _, query = text.partition("?")
        for part in query.split("&"):
            name, _, value = part.partition("=")
            if name != "identifier":
                continue
            system, _, ident = unquote(value).rpartition("|")
            found = self.by_identifier.get((type_name, system, ident))
            if found is not None:
                return Target(found, type_name, self.key_of(found), "resolved")
        return Target(None, type_name, None, "unresolvable" if not self.closed else "external")


def _walk(value: object) -> list[Json]:
    """Every JSON object holding a string ``reference``, depth first in document order (a loop,
    not nested generators: this runs over every kept resource of an import, #21)."""
    found: list[Json] = []
    stack = [value]
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if isinstance(node, dict):
            if isinstance(node.get("reference"), str):
                found.append(node)
            children: Iterable[object] = reversed(node.values())
        elif isinstance(node, list):
            children = reversed(node)
        else:
            continue
        for child in children:
            if isinstance(child, (dict, list)):
                push(child)
    return found


def dangling_references(
    index: ResourceIndex,
    kept: frozenset[str] | None = None,
    found: Mapping[int, list[Json]] | None = None,
) -> Counter[str]:
    """Referenced types that are not in the bundle, by type (for the import notes); with
    ``kept``, only the references of resources of those types (the ones OncoBoard reads).
    ``found``: the reference objects already collected per resource (by ``id``), e.g. by the
    validation fast path; other resources are walked here."""
    out: Counter[str] = Counter()
    for resource in index.resources:
        if kept is not None and resource.get("resourceType") not in kept:
            continue
        refs = found.get(id(resource)) if found is not None else None
        if refs is None:
            refs = _walk({k: v for k, v in resource.items() if k != "contained"})
        for ref in refs:
            target = index.resolve(ref, resource)
            if target.status != "resolved":
                out[target.resource_type or "unknown"] += 1
    return out
