# SPDX-License-Identifier: Apache-2.0
"""The Chromium fixture of the web tests, for the Trials tab test."""

from tests.web.conftest import browser  # noqa: F401
