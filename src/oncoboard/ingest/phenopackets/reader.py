# SPDX-License-Identifier: Apache-2.0
"""Read a Phenopackets v2 JSON file with the ``phenopackets`` protobuf classes (notes §3.4)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from google.protobuf import json_format
from phenopackets.schema.v2 import Cohort, Family, Phenopacket

from oncoboard.errors import InputError, Problem
from oncoboard.ingest.phenopackets.clinical import clinical_facts
from oncoboard.ingest.phenopackets.terms import Message
from oncoboard.ingest.phenopackets.variants import interpretation_facts
from oncoboard.ingest.schemas import ImportOptions, ParsedFact, ProblemLog, SourceFile

# Values seen in real files: "2.0.0" (phenopacket-tools examples), "2.0" (phenopacket-schema tests)
_V2 = re.compile(r"^2(\.0){0,2}$")
_FIELD = re.compile(r"Failed to parse (\w+) field|no field named \"(\w+)\"")


class PhenopacketReader:
    """Phenopacket, Family (proband + relatives) and Cohort (members); one patient per subject."""

    name = "phenopacket"
    version = "1.0"
    source_format = "phenopacket"

    def read(
        self, source: SourceFile, options: ImportOptions, log: ProblemLog
    ) -> Iterator[ParsedFact]:
        document = _load(source)
        kind = (
            "Cohort"
            if "members" in document
            else "Family"
            if "proband" in document
            else "Phenopacket"
        )
        if not _is_v2(document, kind, log):
            return
        message = _parse(document, kind, log)
        if message is None:
            return
        for packet, where in _packets(message, kind):
            yield from _packet_facts(packet, where, options, log)


def _load(source: SourceFile) -> dict[str, Any]:
    """The JSON object; anything else cannot be read at all."""
    try:
        document = json.loads(source.path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise InputError(
            f"{source.name}: not UTF-8 text",
            [Problem(source.name, f"byte {error.start}", "encoding", error.reason, "UTF-8 JSON")],
        ) from error
    except json.JSONDecodeError as error:
        raise InputError(
            f"{source.name}: not JSON ({error.msg})",
            [
                Problem(
                    source.name,
                    f"line {error.lineno} column {error.colno}",
                    "json",
                    error.doc[error.pos : error.pos + 20],
                    f"JSON ({error.msg})",
                )
            ],
        ) from error
    if not isinstance(document, dict):
        raise InputError(
            f"{source.name}: a Phenopacket is a JSON object",
            [Problem(source.name, "line 1", "json", type(document).__name__, "a JSON object")],
        )
    return document


def _schema_version(document: dict[str, Any]) -> str | None:
    for holder in (document, document.get("proband")):
        meta = holder.get("metaData") if isinstance(holder, dict) else None
        if isinstance(meta, dict) and "phenopacketSchemaVersion" in meta:
            return str(meta["phenopacketSchemaVersion"])
    return None


def _is_v2(document: dict[str, Any], kind: str, log: ProblemLog) -> bool:
    """Sniff the schema version before parsing: a v1 file fails v2 parsing with a confusing error."""
    version = _schema_version(document)
    if version is not None and _V2.match(version.strip()):
        return True
    if version is not None and version.strip().startswith("1"):
        expected = (
            "Phenopackets schema 2.0; v1 is not supported, convert the file to v2 first "
            "(e.g. phenopacket-tools convert)"
        )
    else:
        expected = 'Phenopackets schema 2.0 ("2.0" or "2.0.0")'
    log.add(f"{kind} metaData", "phenopacketSchemaVersion", version or "", expected)
    return False


def _parse(document: dict[str, Any], kind: str, log: ProblemLog) -> Message | None:
    """Protobuf's JSON mapping validates every field and type; its error names the field path."""
    target = {"Cohort": Cohort, "Family": Family, "Phenopacket": Phenopacket}[kind]()
    try:
        return json_format.ParseDict(document, target)
    except json_format.ParseError as error:
        text = str(error)
        names = [a or b for a, b in _FIELD.findall(text)]
        path, value = _locate(document, names)
        expected = f"a valid Phenopackets v2 {kind}: {text}"
        if path.count(".") + 1 < len(names) and not isinstance(value, dict | list):
            # protobuf went on to read the characters of a string as field names
            expected = f"a JSON object or list for {path}, not a {type(value).__name__} ({text})"
        log.add(kind, path, json.dumps(value) if value is not None else "", expected)
        return None


def _locate(document: dict[str, Any], names: list[str]) -> tuple[str, Any]:
    """The deepest part of ``names`` present in the document, and its value."""
    value: Any = document
    found: list[str] = []
    for name in names:
        if not isinstance(value, dict) or name not in value:
            break
        value = value[name]
        found.append(name)
    return (".".join(found), value) if found else ("document", None)


def _packets(message: Message, kind: str) -> Iterator[tuple[Message, str]]:
    """Each Phenopacket with a locator prefix: ``proband.``, ``relatives[0].``, ``members[2].``."""
    if kind == "Phenopacket":
        yield message, ""
    elif kind == "Family":
        if message.HasField("proband"):
            yield message.proband, "proband."
        for i, relative in enumerate(message.relatives):
            yield relative, f"relatives[{i}]."
    else:
        for i, member in enumerate(message.members):
            yield member, f"members[{i}]."


def _packet_facts(
    packet: Message, where: str, options: ImportOptions, log: ProblemLog
) -> Iterator[ParsedFact]:
    patient = packet.subject.id or packet.id
    if not patient:
        log.add(
            f"{where}subject" if where else "subject", "id", "", "a subject id (or phenopacket id)"
        )
        return
    yield from clinical_facts(packet, where, patient, log)
    yield from interpretation_facts(packet, where, patient, options, log)
