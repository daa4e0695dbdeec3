"""The playground's front door: SimCord's Preview page, served through a small proxy that can explain itself.

SimCord's page needs the session key in its address (``#…``). Without it, or
in a tab left open from an earlier run (the key changed, every record is
gone), the page stays blank and the reason hides in its inspector. The door
serves the same page from a port that stays the same from run to run, adds one
script of ours, and passes every other request through unchanged; the script
covers the page with what happened and what to do when the key is missing or
refused, or when the playground has stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

__all__ = ["DEFAULT_PORT", "GUARD_PATH", "open_door"]

DEFAULT_PORT = 8765
"""Where the page is served unless ``--port`` says otherwise (taken only if free): an old tab then finds the new run."""
GUARD_PATH = "/discobase-playground.js"
_FORWARDED = ("Content-Type", "Accept", "X-Simcord-Capability", "X-Simcord-Context")
_DROPPED = frozenset({"content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"})

GUARD = r"""// discobase playground: explain a page that cannot work, instead of leaving it blank.
(() => {
  const RESTART = "A restart of the playground starts from an empty server: "
    + "the tables and records of earlier runs are gone.";
  const OPEN = "Open the address that `python -m bot --local` printed in its terminal when it last started "
    + "(it ends in #…), or start it again.";
  let shown = false;
  function explain(title, text) {
    if (shown) return;
    shown = true;
    const show = () => {
      const cover = document.createElement("section");
      cover.id = "discobase-explanation";
      cover.setAttribute("role", "alert");
      Object.assign(cover.style, {position: "fixed", inset: "0", zIndex: "2147483647", display: "flex",
        flexDirection: "column", alignItems: "center", justifyContent: "center", gap: "12px", padding: "32px",
        background: "#313338", color: "#f2f3f5", font: "16px/1.5 sans-serif", textAlign: "center"});
      const heading = document.createElement("h1");
      heading.textContent = title;
      Object.assign(heading.style, {font: "600 24px/1.3 sans-serif", margin: "0"});
      cover.append(heading);
      for (const line of text) {
        const paragraph = document.createElement("p");
        paragraph.textContent = line;
        Object.assign(paragraph.style, {margin: "0", maxWidth: "640px"});
        cover.append(paragraph);
      }
      document.body.append(cover);
    };
    if (document.body) show(); else document.addEventListener("DOMContentLoaded", show);
  }
  if (window.location.hash.length < 2) {
    const KEY = "The playground's address ends in #… : a key that lets only you drive it.";
    explain("This address has no session key", [KEY, OPEN]);
  }
  const original = window.fetch.bind(window);
  window.fetch = async (...args) => {
    let response;
    try {
      response = await original(...args);
    } catch (error) {
      if (!(error instanceof DOMException && error.name === "AbortError")) {
        explain("The playground has stopped", [RESTART, OPEN]);
      }
      throw error;
    }
    if (response.status === 401 || response.status === 410) {
      explain("This tab is from an earlier run of the playground", [RESTART, OPEN]);
    }
    return response;
  };
})();
"""


def _inject(html: str) -> str:
    """SimCord's page with the guard loaded first (a classic script runs before the page's module scripts)."""
    return html.replace("<script", f'<script src="{GUARD_PATH}"></script>\n    <script', 1)


@contextlib.asynccontextmanager
async def open_door(preview_url: str, port: int, acting: asyncio.Lock | None = None) -> AsyncIterator[str]:
    """Serve the Preview at ``preview_url`` on ``port`` (0: any free port); yields the door's URL, key included.

    Each page action (``POST /api/action``) runs holding ``acting``, so whatever
    else holds it (the clock following real time) never overlaps one.
    """
    acting = acting or asyncio.Lock()
    upstream, _, key = preview_url.partition("#")
    upstream = upstream.rstrip("/")
    origin = upstream
    host = upstream.split("//", 1)[1]
    async with aiohttp.ClientSession(auto_decompress=False) as session:

        async def guard(request: web.Request) -> web.Response:
            return web.Response(
                text=GUARD, content_type="application/javascript", headers={"Cache-Control": "no-store"}
            )

        async def forward(request: web.Request) -> web.StreamResponse:
            headers = {name: request.headers[name] for name in _FORWARDED if name in request.headers}
            headers["Host"] = host  # the Preview accepts only its own host and origin
            if "Origin" in request.headers:
                headers["Origin"] = origin
            body = await request.read()
            action = request.method == "POST" and request.path == "/api/action"
            try:
                async with (
                    acting if action else contextlib.nullcontext(),
                    session.request(request.method, upstream + request.path_qs, headers=headers, data=body) as answer,
                ):
                    body = await answer.read()
                    kept = {k: v for k, v in answer.headers.items() if k.lower() not in _DROPPED}
                    if request.path == "/" and answer.status == 200:
                        body = _inject(body.decode()).encode()
                    return web.Response(body=body, status=answer.status, headers=kept)
            except aiohttp.ClientError:
                return web.Response(status=502, text="The playground's simulated Discord is not answering.")

        app = web.Application()
        app.router.add_get(GUARD_PATH, guard)
        app.router.add_route("*", "/{tail:.*}", forward)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", port)
            await site.start()
            bound = runner.addresses[0][1]
            yield f"http://127.0.0.1:{bound}/#{key}"
        finally:
            await runner.cleanup()
