# SPDX-License-Identifier: Apache-2.0
"""The hand-written Flower app (server, client, and the model both share with the pooled run)."""
