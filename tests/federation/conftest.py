# SPDX-License-Identifier: Apache-2.0
"""Chromium for the federation page test."""

from tests.web.conftest import browser

__all__ = ["browser"]
