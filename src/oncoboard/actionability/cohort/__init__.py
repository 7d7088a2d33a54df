# SPDX-License-Identifier: Apache-2.0
"""Actionability across the whole database: cohort screening and KB-diff patient impact."""
