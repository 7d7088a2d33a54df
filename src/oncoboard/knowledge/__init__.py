# SPDX-License-Identifier: Apache-2.0
"""Knowledge: versioned, content-hashed biomarker knowledge-base releases."""
