# SPDX-License-Identifier: Apache-2.0
"""Knowledge-base readers by source name, imported only when used (``kb import --source``)."""

from __future__ import annotations

import importlib

from oncoboard.errors import InputError, KnowledgeUnavailable
from oncoboard.knowledge.reader import KbReader

READERS: dict[str, str] = {
    "moalmanac": "oncoboard.knowledge.sources.moalmanac:LegacyReader",
    "moalmanac-interpreter": "oncoboard.knowledge.sources.moalmanac:InterpreterReader",
    "moalmanac-regulatory": "oncoboard.knowledge.sources.moalmanac_referenced:RegulatoryReader",
    "civic": "oncoboard.knowledge.sources.civic:CivicReader",
    "cgi": "oncoboard.knowledge.sources.cgi:CgiReader",
}


def reader_for(source: str) -> KbReader:
    """The reader registered for ``source``; a clear error when unknown or not installed."""
    spec = READERS.get(source)
    if spec is None:
        raise InputError(
            f"unknown knowledge-base source {source!r}; expected one of {', '.join(READERS)}"
        )
    module_name, _, class_name = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        raise KnowledgeUnavailable(
            f"the {source} reader ({module_name}) is not available in this installation"
        ) from error
    reader_class = getattr(module, class_name, None)
    if reader_class is None:
        raise KnowledgeUnavailable(f"the {source} reader {spec} is not available")
    reader: KbReader = reader_class()
    return reader
