"""A time-out while discord.py waits on a rate limit says "Nothing was changed" when the request never reached
Discord, and "may have been stored" only when it may have.

Real discord.py (its ``HTTPClient``: the global limit, the route's ``Ratelimit``
bucket, the sleep after a 429) talks to a local HTTP server playing Discord,
which counts what it receives. The write's call goes through the write gate and
the Discord backend's retry layer, as every write does, with a short deadline.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from discord.http import HTTPClient, Route

from discobase import DiscordUnavailable, GuildStore, MemoryBackend, retry
from discobase.backend.discord_backend import Needs, _call


def _json(body: object, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON as Discord sends it: discord.py parses a body only if its content type is exactly application/json."""
    return web.Response(
        body=json.dumps(body).encode(), status=status, headers={"Content-Type": "application/json", **(headers or {})}
    )


USER = {"id": "1", "username": "bot", "discriminator": "0", "avatar": None}
MESSAGE = {"id": "10", "channel_id": "5", "content": "x"}


class FakeDiscord:
    """Answers message creates as ``answer`` says; counts the ones it received."""

    def __init__(self) -> None:
        self.received = 0
        self.answer: Callable[[int], web.Response] = lambda _: _json(MESSAGE)
        self.hold = asyncio.Event()

    async def me(self, _: web.Request) -> web.Response:
        return _json(USER)

    async def create(self, _: web.Request) -> web.Response:
        self.received += 1
        response = self.answer(self.received)
        if getattr(response, "_unanswered", False):  # never answer: the request is in flight
            await self.hold.wait()
        return response


def rate_limited(retry_after: float) -> web.Response:
    """Discord's 429 for a route's limit (the Via header marks it as Discord's, not Cloudflare's)."""
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
    return _json(body, status=429, headers={"Via": "1.1 google"})


def bucket_emptied(reset_after: float) -> web.Response:
    """A stored message whose answer says the route's bucket is empty for ``reset_after`` seconds."""
    headers = {
        "X-RateLimit-Limit": "1",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset-After": str(reset_after),
        "X-RateLimit-Bucket": "messages",
    }
    return _json(MESSAGE, headers=headers)


@pytest.fixture
async def discord_server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[FakeDiscord, HTTPClient]]:
    """The fake Discord, and a real discord.py HTTP client logged in to it."""
    fake = FakeDiscord()
    app = web.Application()
    app.router.add_get("/api/v10/users/@me", fake.me)
    app.router.add_post("/api/v10/channels/{channel_id}/messages", fake.create)
    server = TestServer(app)
    await server.start_server()
    monkeypatch.setattr(Route, "BASE", str(server.make_url("/api/v10")))
    monkeypatch.setattr(retry, "CALL_BUDGET", 0.5)
    monkeypatch.setattr(retry, "DELAYS", ())
    http = HTTPClient(asyncio.get_running_loop())
    await http.static_login("token")
    try:
        yield fake, http
    finally:
        fake.hold.set()
        await http.close()
        await server.close()


async def write(http: HTTPClient) -> None:
    """One message create through the write gate and the backend's retry layer, as a commit makes it."""
    gate = GuildStore(MemoryBackend()).gate
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=5)
    needs = Needs((), None)  # type: ignore[arg-type]  # a 403 is not at issue here
    await gate.call(lambda: _call(lambda: http.request(route, json={"content": "x"}), needs, "write records", 5, http))


async def test_a_time_out_while_the_bucket_holds_the_request_says_nothing_was_changed(discord_server) -> None:
    """The route's bucket is empty for 30 s: discord.py holds the next request; our deadline ends first. The
    request never left, so nothing was changed, and Discord indeed received nothing."""
    fake, http = discord_server
    fake.answer = lambda _: bucket_emptied(30)
    first = asyncio.create_task(http.request(Route("POST", "/channels/{channel_id}/messages", channel_id=5)))
    while fake.received < 1:
        await asyncio.sleep(0.01)
    with pytest.raises(DiscordUnavailable) as failed:
        await write(http)
    assert not failed.value.unknown and "Nothing was changed" in str(failed.value)
    assert "may have been stored" not in str(failed.value) and "never sent" in str(failed.value)
    assert fake.received == 1
    first.cancel()


async def test_a_time_out_after_a_429_says_nothing_was_changed(discord_server) -> None:
    """Discord refuses with a 429 asking 30 s; discord.py waits it out to try again, past our deadline. Discord
    refused the one request it received: nothing was changed."""
    fake, http = discord_server
    fake.answer = lambda _: rate_limited(30)
    with pytest.raises(DiscordUnavailable) as failed:
        await write(http)
    assert not failed.value.unknown and "Nothing was changed" in str(failed.value)
    assert fake.received == 1


async def test_a_long_429_that_discord_py_gives_up_on_says_nothing_was_changed(discord_server) -> None:
    """With ``max_ratelimit_timeout`` set, discord.py raises ``RateLimited`` instead of waiting: nothing changed."""
    fake, http = discord_server
    http.max_ratelimit_timeout = 30
    fake.answer = lambda _: rate_limited(60)
    with pytest.raises(DiscordUnavailable, match="asked me to slow down.*Nothing was changed") as failed:
        await write(http)
    assert not failed.value.unknown


async def test_a_request_unanswered_may_have_been_stored(discord_server) -> None:
    """Discord received the request and has not answered by the deadline: it may have been stored."""
    fake, http = discord_server
    fake.answer = lambda _: _Unanswered()
    with pytest.raises(DiscordUnavailable) as failed:
        await write(http)
    assert failed.value.unknown and "may have been stored" in str(failed.value)
    assert fake.received == 1


async def test_a_stored_request_held_by_discord_py_after_may_have_been_stored(discord_server) -> None:
    """Discord stored the message and said the bucket is empty: discord.py sleeps before handing the answer back,
    past our deadline. It was stored, so the error must not say nothing was changed."""
    fake, http = discord_server
    fake.answer = lambda _: bucket_emptied(30)
    with pytest.raises(DiscordUnavailable) as failed:
        await write(http)
    assert failed.value.unknown and "may have been stored" in str(failed.value)
    assert fake.received == 1


class _Unanswered(web.Response):
    """A response the fake never sends (it waits first): the request stays in flight."""

    def __init__(self) -> None:
        super().__init__()
        self._unanswered = True


async def test_an_untraced_transport_still_says_may_have_been_stored() -> None:
    """A backend that cannot tell whether its requests left (the memory backend, SimCord): a time-out is unknown."""
    from discobase.write import sending

    with sending.watching() as watch:
        pass
    assert watch.may_have_reached()
    with sending.watching() as watch:
        sending.report_traced(True)
    assert not watch.may_have_reached()
    with sending.watching() as watch:
        sending.report_traced(True)
        sending.report_traced(False)
    assert watch.may_have_reached()
