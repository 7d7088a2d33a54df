# SPDX-License-Identifier: Apache-2.0
"""Which reader handles which format; readers are imported only when needed."""

from __future__ import annotations

import importlib

from oncoboard.ingest.reader import Reader
from oncoboard.ingest.schemas import SourceFormat

READERS: dict[str, str] = {
    "fhir": "oncoboard.ingest.fhir.reader:FhirReader",
    "vcf": "oncoboard.ingest.vcf.reader:VcfReader",
    "maf": "oncoboard.ingest.maf:MafReader",
    "cbioportal": "oncoboard.ingest.cbioportal:CbioportalReader",
    "phenopacket": "oncoboard.ingest.phenopackets:PhenopacketReader",
    # pharmacogenomics: chosen explicitly (``oncoboard pgx import``), never sniffed
    "pgx-csv": "oncoboard.pharmacogenomics.csv_reader:PgxCsvReader",
    "pgx-vcf": "oncoboard.pharmacogenomics.vcf_reader:PgxVcfReader",
}


def reader_for(source_format: SourceFormat | str) -> Reader:
    module_name, _, class_name = READERS[source_format].partition(":")
    reader: Reader = getattr(importlib.import_module(module_name), class_name)()
    return reader
