"""A strict Discord: every request the bot makes on SimCord is checked against Discord's published limits.

SimCord accepts much that real Discord refuses, so a bot tested only on it can
break on its first real server. This plugin (registered by tests/conftest.py)
wraps ``simcord.http.router.dispatch``, the one function both of SimCord's
transports (the REST client and the interaction webhook adapter) send every
request through. A request over a limit is refused as Discord would refuse it
(a 400 Invalid Form Body, 413 for an upload, 30013 for the server's channels),
and the test that caused it fails, naming the limit, the value and the request.

The limits, from discord-api-docs (https://discord.com/developers/docs/...):

- message content ≤ 2,000 characters (resources/message#create-message);
- embeds ≤ 10 a message, ≤ 6,000 characters in all, title 256, description
  4,096, ≤ 25 fields, field name 256, field value 1,024, footer 2,048, author
  name 256 (resources/message#embed-object-embed-limits);
- ≤ 10 attachments, each within the guild's upload limit, ``filesize_limit``:
  10 MiB on a server without boosts, which every SimCord guild is (it serialises
  ``premium_tier`` 0) (reference#uploading-files; discord.py's
  ``Guild._PREMIUM_GUILD_LIMITS``);
- components: ≤ 5 action rows of ≤ 5 buttons; button label 80, custom_id 100;
  select: ≤ 25 options, option label, value and description 100, placeholder
  150 (interactions/message-components);
- modals: ≤ 5 rows, title 45, custom_id 100, text input label 45, placeholder
  100, ``value`` and ``min_length``/``max_length`` 4,000; discord.py sends a
  text input's pre-filled text as ``value``, where SimCord checks ``default``
  (interactions/receiving-and-responding#interaction-response-object-modal,
  components#text-input);
- autocomplete: ≤ 25 choices, name 1-100, a string value ≤ 100
  (interactions/receiving-and-responding#interaction-response-object-autocomplete);
- channels: ≤ 50 in a category, ≤ 500 in a guild, counted in the simulated
  guild when a channel create arrives (resources/channel#channel-object,
  topics/opcodes-and-status-codes: 30013);
- bulk delete: 2-100 unique ids, none 14 days old or older
  (resources/message#bulk-delete-messages).

SimCord checks some of these itself (components, modals, the bulk delete's
count); they are checked here too, so that every limit is in one place and
fails with the same kind of message.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterator
from typing import Any

import discord
import pytest
from simcord.backend.errors import BackendError
from simcord.http import router

UPLOAD_LIMIT = discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
"""An unboosted guild's ``filesize_limit`` (10 MiB); SimCord's guilds are never boosted."""
BULK_DELETE_AGE = datetime.timedelta(days=14)
_DISCORD_EPOCH_MS = 1420070400000

# (what, limit) for the string fields of each part of a request
_EMBED_TEXT = {"title": 256, "description": 4096}
_BUTTON = {"label": 80, "custom_id": 100}
_SELECT = {"custom_id": 100, "placeholder": 150}
_OPTION = {"label": 100, "value": 100, "description": 100}
_TEXT_INPUT = {"label": 45, "placeholder": 100, "value": 4000, "custom_id": 100}
_MESSAGE_CALLBACKS = {4, 7}  # CHANNEL_MESSAGE_WITH_SOURCE, UPDATE_MESSAGE
_AUTOCOMPLETE, _MODAL = 8, 9


class Violations(list[str]):
    """The limits broken so far in this test, one line each (what, the value, the request)."""


def _too_long(problems: list[str], where: str, text: Any, limit: int) -> None:
    if isinstance(text, str) and len(text) > limit:
        problems.append(f"{where} is {len(text):,} characters, over Discord's {limit:,}")


def _check_embeds(problems: list[str], embeds: list[dict[str, Any]]) -> None:
    if len(embeds) > 10:
        problems.append(f"{len(embeds)} embeds, over Discord's 10 a message")
    total = 0
    for index, embed in enumerate(embeds):
        where = f"embeds[{index}]"
        for key, limit in _EMBED_TEXT.items():
            _too_long(problems, f"{where}.{key}", embed.get(key), limit)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append(f"{where} has {len(fields)} fields, over Discord's 25")
        for number, field in enumerate(fields):
            _too_long(problems, f"{where}.fields[{number}].name", field.get("name"), 256)
            _too_long(problems, f"{where}.fields[{number}].value", field.get("value"), 1024)
        footer, author = embed.get("footer") or {}, embed.get("author") or {}
        _too_long(problems, f"{where}.footer.text", footer.get("text"), 2048)
        _too_long(problems, f"{where}.author.name", author.get("name"), 256)
        texts = [embed.get("title"), embed.get("description"), footer.get("text"), author.get("name")]
        texts += [part for field in fields for part in (field.get("name"), field.get("value"))]
        total += sum(len(text) for text in texts if isinstance(text, str))
    if total > 6000:
        problems.append(f"embeds hold {total:,} characters in all, over Discord's 6,000")


def _walk(components: list[dict[str, Any]], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every component, nested ones too (rows, and a modal's labels holding one component)."""
    for index, component in enumerate(components):
        path = f"{where}[{index}]"
        yield path, component
        yield from _walk(component.get("components") or [], f"{path}.components")
        if isinstance(component.get("component"), dict):
            yield from _walk([component["component"]], f"{path}.component")


def _check_component(problems: list[str], where: str, component: dict[str, Any]) -> None:
    kind = component.get("type")
    if kind == 1 and len(component.get("components") or []) > 5:
        problems.append(f"{where} holds {len(component['components'])} components, over Discord's 5 a row")
    limits = {2: _BUTTON, 3: _SELECT, 5: _SELECT, 6: _SELECT, 7: _SELECT, 8: _SELECT, 4: _TEXT_INPUT}
    for key, limit in limits.get(kind, {}).items():  # type: ignore[call-overload]
        _too_long(problems, f"{where}.{key}", component.get(key), limit)
    if kind == 18:  # a modal's label around one component
        _too_long(problems, f"{where}.label", component.get("label"), 45)
        _too_long(problems, f"{where}.description", component.get("description"), 100)
    if kind == 4:
        for key in ("min_length", "max_length"):
            if isinstance(component.get(key), int) and component[key] > 4000:
                problems.append(f"{where}.{key} is {component[key]:,}, over Discord's 4,000")
    options = component.get("options") or []
    if kind == 3 and len(options) > 25:
        problems.append(f"{where} has {len(options)} options, over Discord's 25")
    for number, option in enumerate(options):
        for key, limit in _OPTION.items():
            _too_long(problems, f"{where}.options[{number}].{key}", option.get(key), limit)


def _check_components(problems: list[str], components: list[dict[str, Any]], *, modal: bool = False) -> None:
    if len(components) > 5:
        problems.append(f"{len(components)} {'modal ' if modal else ''}rows, over Discord's 5")
    for where, component in _walk(components, "components"):
        _check_component(problems, where, component)


def _size(file: Any) -> int:
    """A file's bytes, without moving where discord.py will read from."""
    fp = file.fp
    if isinstance(fp, io.BytesIO):
        return fp.getbuffer().nbytes
    position = fp.tell()
    size = fp.seek(0, io.SEEK_END)
    fp.seek(position)
    return size


def _check_message(problems: list[str], body: dict[str, Any], files: list[Any]) -> None:
    """A message's limits: its text, embeds, components and attachments."""
    _too_long(problems, "content", body.get("content"), 2000)
    _check_embeds(problems, body.get("embeds") or [])
    _check_components(problems, body.get("components") or [])
    count = max(len(files), len(body.get("attachments") or []))
    if count > 10:
        problems.append(f"{count} attachments, over Discord's 10 a message")
    for file in files:
        size = _size(file)
        if size > UPLOAD_LIMIT:
            problems.append(f"attachment {file.filename!r} is {size:,} bytes, over the upload limit {UPLOAD_LIMIT:,}")


def _check_callback(problems: list[str], body: dict[str, Any], files: list[Any]) -> None:
    kind, data = body.get("type"), body.get("data") or {}
    if kind in _MESSAGE_CALLBACKS:
        _check_message(problems, data, files)
    elif kind == _MODAL:
        _too_long(problems, "modal title", data.get("title"), 45)
        _too_long(problems, "modal custom_id", data.get("custom_id"), 100)
        _check_components(problems, data.get("components") or [], modal=True)
    elif kind == _AUTOCOMPLETE:
        choices = data.get("choices") or []
        if len(choices) > 25:
            problems.append(f"{len(choices)} autocomplete choices, over Discord's 25")
        for index, choice in enumerate(choices):
            name = choice.get("name") or ""
            if not 1 <= len(name) <= 100:
                problems.append(f"autocomplete choices[{index}].name is {len(name)} characters, not 1-100")
            _too_long(problems, f"autocomplete choices[{index}].value", choice.get("value"), 100)


def _check_channel_create(problems: list[str], backend: Any, guild_id: int, body: dict[str, Any]) -> int:
    """The category's 50 and the guild's 500 channels, as the simulated guild holds them now; the error code."""
    guild = backend.guilds.get(guild_id)
    if guild is None:  # SimCord answers Unknown Guild itself
        return 50035
    channels = [backend.channels[id_] for id_ in guild.channel_ids if id_ in backend.channels]
    if len(channels) >= 500:
        problems.append(
            f"Maximum number of guild channels reached (500): a channel create in a guild of {len(channels)}"
        )
        return 30013
    parent = body.get("parent_id")
    inside = sum(1 for channel in channels if parent is not None and channel.parent_id == int(parent))
    if inside >= 50:
        problems.append(f"Maximum number of channels in category reached (50): a create in a category of {inside}")
    return 50035


def _check_bulk_delete(problems: list[str], backend: Any, body: dict[str, Any]) -> None:
    ids = [int(id_) for id_ in body.get("messages") or []]
    if not 2 <= len(ids) <= 100:
        problems.append(f"a bulk delete of {len(ids)} messages, outside Discord's 2-100")
    if len(set(ids)) != len(ids):
        problems.append(f"a bulk delete repeating ids ({len(ids) - len(set(ids))} twice)")
    now = backend.clock.now()
    for id_ in ids:
        made = datetime.datetime.fromtimestamp(((id_ >> 22) + _DISCORD_EPOCH_MS) / 1000, tz=datetime.UTC)
        if now - made >= BULK_DELETE_AGE:
            problems.append(f"a bulk delete of message {id_}, {(now - made).days} days old (Discord: under 14)")
            break


def check(backend: Any, method: str, path: str, json: Any, files: list[Any]) -> tuple[list[str], int, int]:
    """The limits one request breaks, with the status and error code Discord would refuse it with."""
    problems: list[str] = []
    body = json if isinstance(json, dict) else {}
    parts = path.strip("/").split("/")
    status, code = 400, 50035  # Invalid Form Body
    if parts[0] == "interactions" and parts[-1] == "callback":
        _check_callback(problems, body, files)
    elif method in ("POST", "PATCH") and (
        (parts[0] == "channels" and len(parts) in (3, 4) and parts[2] == "messages" and parts[-1] != "bulk-delete")
        or (parts[0] == "webhooks" and len(parts) in (3, 5))
    ):
        _check_message(problems, body, files)
    elif method == "POST" and parts[0] == "guilds" and parts[-1] == "channels":
        code = _check_channel_create(problems, backend, int(parts[1]), body)
    elif method == "POST" and parts[-1] == "bulk-delete":
        _check_bulk_delete(problems, backend, body)
    if problems and all(problem.startswith("attachment ") for problem in problems):
        status, code = 413, 40005  # Request entity too large
    return problems, status, code


class StrictDiscord:
    """The checker of one test: wraps SimCord's dispatch, refuses what Discord would, keeps what it refused."""

    def __init__(self) -> None:
        self.violations = Violations()

    def wrap(self, dispatch: Callable[..., Any]) -> Callable[..., Any]:
        """``dispatch`` with every request checked first."""

        def strict(backend: Any, method: str, path: str, **kwargs: Any) -> Any:
            problems, status, code = check(backend, method, path, kwargs.get("json"), kwargs.get("files") or [])
            if problems:
                self.violations.extend(f"{method} {path}: {problem}" for problem in problems)
                raise BackendError(status, code, "; ".join(problems))
            return dispatch(backend, method, path, **kwargs)

        return strict

    def report(self) -> str:
        """What the test sent that real Discord refuses."""
        lines = "\n".join(f"  - {line}" for line in self.violations)
        return f"The bot sent requests real Discord refuses (tests/strict_discord.py lists the limits):\n{lines}"


_current: StrictDiscord | None = None


@pytest.fixture(autouse=True)
def strict_discord(monkeypatch: pytest.MonkeyPatch) -> Iterator[StrictDiscord]:
    """Check every request of this test; a test that means to break a limit clears ``violations`` after."""
    global _current
    checker = StrictDiscord()
    monkeypatch.setattr(router, "dispatch", checker.wrap(router.dispatch))
    _current = checker
    try:
        yield checker
    finally:
        _current = None
    if checker.violations:
        pytest.fail(checker.report(), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail the test itself (not only its teardown) when its body made Discord refuse a request."""
    result = yield
    checker = _current
    if checker is not None and checker.violations:
        report = checker.report()
        checker.violations.clear()
        pytest.fail(report, pytrace=False)
    return result
