# SPDX-License-Identifier: Apache-2.0
"""Ground layer: the edge helpers every capability's routes, pages and commands share.

Request dependencies, problem+json mapping, page templates, CLI context and output. Like
``settings``, ``errors`` and ``store``, nothing here imports a capability or the assembly
(``api/app.py``, ``cli/main.py``, the web shell): what needs a capability (the acting user, the
audit anchor, template helpers that read the record) is registered from above.
"""
