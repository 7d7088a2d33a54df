# SPDX-License-Identifier: Apache-2.0
"""``python -m oncoboard`` runs the command line."""

from oncoboard.cli.main import run

run()
