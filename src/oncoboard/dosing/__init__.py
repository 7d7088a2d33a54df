# SPDX-License-Identifier: Apache-2.0
"""Label-based dose-modification proposals for a clinician to approve."""
