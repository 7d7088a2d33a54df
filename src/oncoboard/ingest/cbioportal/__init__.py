# SPDX-License-Identifier: Apache-2.0
"""cBioPortal study-folder reader (meta_*.txt + data files, the datahub layout)."""

from oncoboard.ingest.cbioportal.reader import CbioportalReader

__all__ = ["CbioportalReader"]
