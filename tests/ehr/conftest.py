# SPDX-License-Identifier: Apache-2.0
"""The shared Chromium fixture, for the SMART launch test."""

from tests.web.conftest import browser

__all__ = ["browser"]
