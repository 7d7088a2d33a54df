# SPDX-License-Identifier: Apache-2.0
"""Asking sites: one signed request to every site at once, each within its own deadline.

Each site gets its own deadline (``timeout_s``, covering every retry): a dead or hung site is
reported as ``timed_out`` or ``error`` and never holds the answer up beyond its deadline. Only
connection failures and server errors are retried; a refusal (401/403/429) is final. Every
answer must carry the site's signature over this very request, or it is discarded as an error.
No database here: the coordinator decides whom to ask and what the answers mean.
"""

from __future__ import annotations

import asyncio
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx

from oncoboard.errors import NotAuthenticated
from oncoboard.federation import auth

RETRY_PAUSE_S = 0.1


@dataclass(frozen=True)
class Target:
    """One site as the fan-out needs it: where, which key, how long to wait."""

    name: str
    base_url: str
    key: auth.AccessKey
    timeout_s: float
    retries: int


@dataclass
class Reply:
    """What one site did with one request."""

    site: str
    status: str
    attempts: int
    seconds: float
    document: dict[str, Any] | None = None
    detail: str | None = None


def fan_out(
    chosen: list[Target], method: str, path: str, body: bytes, researcher: str
) -> list[Reply]:
    """Send one request to every site concurrently; each site within its own deadline."""

    async def run() -> list[Reply]:
        async with httpx.AsyncClient(trust_env=False, verify=_tls()) as client:
            return list(
                await asyncio.gather(
                    *(_ask(client, t, method, path, body, researcher) for t in chosen)
                )
            )

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run())
    # called from code that runs an event loop in this thread: ask from a thread of its own
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, run()).result()


@cache
def _tls() -> ssl.SSLContext:
    """Built once: loading the CA bundle costs tens of milliseconds a question otherwise."""
    return ssl.create_default_context()


async def _ask(
    client: httpx.AsyncClient, target: Target, method: str, path: str, body: bytes, researcher: str
) -> Reply:
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + target.timeout_s
    attempts, detail = 0, "no attempt"
    while attempts <= target.retries:
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        attempts += 1
        try:
            reply = await asyncio.wait_for(
                _once(client, target, method, path, body, researcher, remaining), remaining
            )
        except TimeoutError:
            return Reply(
                target.name,
                "timed_out",
                attempts,
                loop.time() - started,
                detail=f"no answer within {target.timeout_s:g} s",
            )
        except httpx.TransportError as error:
            detail = f"unreachable: {type(error).__name__}: {error}"[:300]
            await asyncio.sleep(min(RETRY_PAUSE_S, max(0.0, deadline - loop.time())))
            continue
        if reply.status == "retry":
            detail = reply.detail or "server error"
            await asyncio.sleep(min(RETRY_PAUSE_S, max(0.0, deadline - loop.time())))
            continue
        reply.attempts, reply.seconds = attempts, loop.time() - started
        return reply
    status = "timed_out" if deadline - loop.time() <= 0 and attempts <= target.retries else "error"
    return Reply(target.name, status, attempts, loop.time() - started, detail=detail)


async def _once(
    client: httpx.AsyncClient,
    target: Target,
    method: str,
    path: str,
    body: bytes,
    researcher: str,
    remaining: float,
) -> Reply:
    url = target.base_url + path
    headers = {"content-type": "application/json", auth.RESEARCHER_HEADER: researcher}
    message = auth.Message(method=method, url=str(httpx.URL(url)), headers=headers)
    auth.sign_request(message, target.key, body)
    response = await client.request(
        method,
        url,
        content=body if method == "POST" else None,
        headers=message.headers,
        timeout=remaining,
    )
    if response.status_code in (401, 403, 429):
        return Reply(target.name, "refused", 0, 0.0, detail=_problem(response))
    if response.status_code >= 500:
        return Reply(
            target.name,
            "retry",
            0,
            0.0,
            detail=f"HTTP {response.status_code}: {_problem(response)}",
        )
    answer_headers = {k.lower(): v for k, v in response.headers.items()}
    try:
        auth.verify_response(
            target.key.site_public_key,
            message,
            response.status_code,
            answer_headers,
            response.content,
        )
        document = response.json()
    except (NotAuthenticated, ValueError) as error:
        return Reply(target.name, "error", 0, 0.0, detail=str(error)[:300])
    if response.status_code != 200:
        return Reply(
            target.name,
            "error",
            0,
            0.0,
            detail=f"HTTP {response.status_code}: {_problem(response)}",
        )
    return Reply(target.name, "answered", 0, 0.0, document=document)


def _problem(response: httpx.Response) -> str:
    try:
        document = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(document, dict):
        return str(
            document.get("detail") or document.get("error", {}).get("errorMessage") or document
        )[:300]
    return str(document)[:300]
