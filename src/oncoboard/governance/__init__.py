# SPDX-License-Identifier: Apache-2.0
"""Governance: identities and roles, consent per purpose, the gate, the audit trail, decisions."""
