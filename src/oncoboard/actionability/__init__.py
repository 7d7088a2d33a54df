# SPDX-License-Identifier: Apache-2.0
"""Actionability: biomarker rules evaluated against a patient's record, then tiered."""
