# SPDX-License-Identifier: Apache-2.0
"""Annotated VCF import (VEP CSQ, SnpEff ANN, legacy SnpEff EFF) read with cyvcf2."""
