# SPDX-License-Identifier: Apache-2.0
"""The EHR edge: a CDS Hooks service and OncoBoard as a SMART on FHIR app and FHIR client."""
