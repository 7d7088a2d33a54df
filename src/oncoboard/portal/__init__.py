# SPDX-License-Identifier: Apache-2.0
"""The patient's own view: symptom reports, care-team contact, consents, access log and the
clinical documents the care team has released to them."""
