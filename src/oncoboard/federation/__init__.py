# SPDX-License-Identifier: Apache-2.0
"""Federated research: a GA4GH Beacon v2 site node, a coordinator, federated training on Flower."""
