# SPDX-License-Identifier: Apache-2.0
"""OncoBoard: one reviewable, auditable record for precision oncology."""

__version__ = "0.1.0"
