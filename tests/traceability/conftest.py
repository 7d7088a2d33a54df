# SPDX-License-Identifier: Apache-2.0
"""The shared Chromium fixture of the web tests, for the scan-station browser test."""

from tests.web.conftest import browser

__all__ = ["browser"]
