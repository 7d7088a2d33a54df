# SPDX-License-Identifier: Apache-2.0
"""HL7 FHIR R4 (4.0.1) import: Bundles, single resources and Bulk Data NDJSON.

Validated with ``fhir.resources.R4B`` (R4 plus a few resources; the default models are R5),
classified by content (LOINC/SNOMED codes), never by ``meta.profile``.
"""
