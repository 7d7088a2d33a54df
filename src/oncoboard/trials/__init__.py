# SPDX-License-Identifier: Apache-2.0
"""Clinical-trial registry, eligibility criteria as constraints, explained matching and ranking."""
