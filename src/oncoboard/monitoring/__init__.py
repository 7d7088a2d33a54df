# SPDX-License-Identifier: Apache-2.0
"""Symptom monitoring between visits: PRO-CTCAE surveys, composite grades, alerts and the care-team queue."""
