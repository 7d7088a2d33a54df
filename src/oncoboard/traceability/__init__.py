# SPDX-License-Identifier: Apache-2.0
"""Cell-therapy chain of identity and custody: identifiers, scan-and-match, signed batch record."""
