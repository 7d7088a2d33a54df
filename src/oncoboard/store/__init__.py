# SPDX-License-Identifier: Apache-2.0
"""Storage: engine, unit of work, tables and migrations."""
