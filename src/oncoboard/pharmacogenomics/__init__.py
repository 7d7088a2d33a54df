# SPDX-License-Identifier: Apache-2.0
"""Pharmacogenomics: germline diplotypes → CPIC activity score → phenotype → dosing guidance."""
