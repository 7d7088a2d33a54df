# SPDX-License-Identifier: Apache-2.0
"""OncoBoard federated logistic regression for Flower."""
