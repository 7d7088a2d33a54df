# SPDX-License-Identifier: Apache-2.0
"""The tumour-board report: one patient × selected KB releases, as HTML, PDF, JSON and FHIR."""
