# SPDX-License-Identifier: Apache-2.0
"""The shared Chromium fixture of the web tests, for the dose-proposal browser tests."""

from tests.web.conftest import browser

__all__ = ["browser"]
