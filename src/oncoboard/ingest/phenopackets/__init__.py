# SPDX-License-Identifier: Apache-2.0
"""GA4GH Phenopackets v2 reader (Phenopacket, Family and Cohort messages, JSON)."""

from oncoboard.ingest.phenopackets.reader import PhenopacketReader

__all__ = ["PhenopacketReader"]
