"""The strict Discord (tests/strict_discord.py) catches each kind of request real Discord refuses.

A small bot made for the purpose sends each violation through real discord.py
on SimCord: its ``/violate`` command answers with the request named by
``kind``. Each test checks that the request was refused as Discord refuses it,
that the checker names the limit, the value and the request, and then clears
the violation, which would otherwise (rightly) fail the test.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Coroutine
from typing import Any

import discord
import pytest
import simcord
from discord import app_commands
from discord.http import Route

from tests.strict_discord import UPLOAD_LIMIT, StrictDiscord

Answer = Callable[[discord.Interaction], Coroutine[Any, Any, Any]]


def _view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    view = discord.ui.View()
    for item in items:
        view.add_item(item)
    return view


def _modal(title: str = "Form", **text_input: Any) -> discord.ui.Modal:
    modal = discord.ui.Modal(title=title)
    modal.add_item(discord.ui.TextInput(label=text_input.pop("label", "Text"), **text_input))
    return modal


def _embed(**fields: Any) -> discord.Embed:
    embed = discord.Embed(title=fields.pop("title", None), description=fields.pop("description", None))
    for name, value in fields.pop("fields", []):
        embed.add_field(name=name, value=value)
    if "footer" in fields:
        embed.set_footer(text=fields["footer"])
    if "author" in fields:
        embed.set_author(name=fields["author"])
    return embed


class _SixRowModal(discord.ui.Modal, title="Form"):
    """Six text inputs, which discord.py's ``Modal.add_item`` itself refuses to build."""

    def to_components(self) -> list[dict[str, Any]]:
        text_input = {"type": 4, "style": 1, "label": "Text"}
        return [{"type": 1, "components": [{**text_input, "custom_id": f"{n}"}]} for n in range(6)]


def _send(**kwargs: Any) -> Answer:
    return lambda interaction: interaction.response.send_message(**kwargs)


def _show(modal: Callable[[], discord.ui.Modal]) -> Answer:
    return lambda interaction: interaction.response.send_modal(modal())


async def _followup(interaction: discord.Interaction) -> None:
    await interaction.response.defer()
    await interaction.followup.send("x" * 2001)


# kind -> how the bot answers /violate; each breaks one limit
ANSWERS: dict[str, Answer] = {
    "content": _send(content="x" * 2001),
    "followup": _followup,
    "embed total": _send(embeds=[_embed(description="d" * 4000), _embed(description="d" * 2001)]),
    "embed title": _send(embed=_embed(title="t" * 257)),
    "embed description": _send(embed=_embed(description="d" * 4097)),
    "embed fields": _send(embed=_embed(fields=[("n", "v")] * 26)),
    "field name": _send(embed=_embed(fields=[("n" * 257, "v")])),
    "field value": _send(embed=_embed(fields=[("n", "v" * 1025)])),
    "footer": _send(embed=_embed(footer="f" * 2049)),
    "author": _send(embed=_embed(author="a" * 257)),
    "upload": lambda interaction: interaction.response.send_message(
        file=discord.File(io.BytesIO(bytes(UPLOAD_LIMIT + 1)), "big.bin")
    ),
    "button label": _send(view=_view(discord.ui.Button(label="b" * 81))),
    "button custom_id": _send(view=_view(discord.ui.Button(label="b", custom_id="c" * 101))),
    "select option": _send(view=_view(discord.ui.Select(options=[discord.SelectOption(label="o" * 101)]))),
    "select placeholder": _send(
        view=_view(discord.ui.Select(placeholder="p" * 151, options=[discord.SelectOption(label="o")]))
    ),
    "modal title": _show(lambda: _modal(title="t" * 46)),
    "modal label": _show(lambda: _modal(label="l" * 46)),
    "modal placeholder": _show(lambda: _modal(placeholder="p" * 101)),
    "modal value": _show(lambda: _modal(default="v" * 4001, style=discord.TextStyle.paragraph)),
    "modal max_length": _show(lambda: _modal(max_length=4001)),
    "modal rows": _show(_SixRowModal),
    "clean": lambda interaction: interaction.response.send_message(
        "x" * 2000,
        embeds=[_embed(title="t" * 256, description="d" * 4096, fields=[("n" * 256, "v" * 1024)], footer="f" * 100)]
        + [_embed(title="t")] * 9,
        view=_view(discord.ui.Button(label="b" * 80, custom_id="c" * 100)),
        files=[discord.File(io.BytesIO(b"x"), f"{n}.txt") for n in range(10)],
    ),
    "clean modal": _show(lambda: _modal(title="t" * 45, label="l" * 45, default="v" * 4000, max_length=4000)),
}


class Violator(discord.Client):
    """A bot that sends what it is told to: each ``/violate kind:…`` answer breaks one of Discord's limits."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)
        self.refused: list[discord.HTTPException] = []
        self.choices: list[app_commands.Choice[str]] = []

        @self.tree.command(name="violate", description="Answer with a request Discord refuses")
        async def violate(interaction: discord.Interaction, kind: str) -> None:
            try:
                await ANSWERS[kind](interaction)
            except discord.HTTPException as error:
                self.refused.append(error)

        @violate.autocomplete("kind")
        async def kinds(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return self.choices

    async def setup_hook(self) -> None:
        """Register ``/violate``."""
        await self.tree.sync()


@pytest.fixture
def simcord_bot() -> discord.Client:
    return Violator()


@pytest.fixture
def bot(simcord_env: simcord.Env) -> Violator:
    assert isinstance(simcord_env.bot, Violator)
    return simcord_env.bot


def caught(strict: StrictDiscord, *expected: str) -> str:
    """The violations the checker recorded (each expected text among them), cleared so the test may pass."""
    report = strict.report()
    assert strict.violations, "the checker let the request through"
    for text in expected:
        assert text in report, f"{text!r} not in {report}"
    strict.violations.clear()
    return report


REFUSED = [
    ("content", "content is 2,001 characters, over Discord's 2,000"),
    ("followup", "content is 2,001 characters, over Discord's 2,000"),
    ("embed total", "embeds hold 6,001 characters in all, over Discord's 6,000"),
    ("embed title", "embeds[0].title is 257 characters, over Discord's 256"),
    ("embed description", "embeds[0].description is 4,097 characters, over Discord's 4,096"),
    ("embed fields", "embeds[0] has 26 fields, over Discord's 25"),
    ("field name", "embeds[0].fields[0].name is 257 characters, over Discord's 256"),
    ("field value", "embeds[0].fields[0].value is 1,025 characters, over Discord's 1,024"),
    ("footer", "embeds[0].footer.text is 2,049 characters, over Discord's 2,048"),
    ("author", "embeds[0].author.name is 257 characters, over Discord's 256"),
    ("upload", f"attachment 'big.bin' is {UPLOAD_LIMIT + 1:,} bytes, over the upload limit {UPLOAD_LIMIT:,}"),
    ("button label", ".label is 81 characters, over Discord's 80"),
    ("button custom_id", ".custom_id is 101 characters, over Discord's 100"),
    ("select option", ".options[0].label is 101 characters, over Discord's 100"),
    ("select placeholder", ".placeholder is 151 characters, over Discord's 150"),
    ("modal title", "modal title is 46 characters, over Discord's 45"),
    ("modal label", ".label is 46 characters, over Discord's 45"),
    ("modal placeholder", ".placeholder is 101 characters, over Discord's 100"),
    ("modal value", ".value is 4,001 characters, over Discord's 4,000"),
    ("modal max_length", ".max_length is 4,001, over Discord's 4,000"),
    ("modal rows", "6 modal rows, over Discord's 5"),
]


@pytest.mark.parametrize(("kind", "expected"), REFUSED, ids=[kind for kind, _ in REFUSED])
async def test_an_answer_over_a_limit_is_refused_and_named(strict_discord, bot, member, channel, kind, expected):
    """Each answer over one of Discord's limits is refused as Discord does, naming the limit and the value."""
    result = await member.slash(channel, "violate", kind=kind)
    report = caught(strict_discord, expected)
    assert "/callback" in report or "/webhooks/" in report  # the request is named
    assert [error.status for error in bot.refused] == [413 if kind == "upload" else 400]
    assert result.modal is None


async def test_a_clean_answer_at_every_limit_passes(strict_discord, bot, member, channel):
    """A message and a modal exactly at Discord's limits are sent, and nothing is flagged."""
    message = (await member.slash(channel, "violate", kind="clean")).response
    assert message is not None and len(message.content) == 2000 and len(message.attachments) == 10
    shown = await member.slash(channel, "violate", kind="clean modal")
    assert shown.modal is not None and shown.modal["title"] == "t" * 45
    assert bot.refused == [] and strict_discord.violations == []


@pytest.mark.parametrize(
    ("choices", "expected"),
    [
        ([app_commands.Choice(name=str(n), value=str(n)) for n in range(26)], "26 autocomplete choices"),
        ([app_commands.Choice(name="n" * 101, value="v")], "choices[0].name is 101 characters, not 1-100"),
        ([app_commands.Choice(name="n", value="v" * 101)], "choices[0].value is 101 characters, over Discord's 100"),
    ],
    ids=["count", "name", "value"],
)
async def test_autocomplete_over_a_limit_is_refused(strict_discord, bot, member, channel, choices, expected):
    """Too many autocomplete choices, or a choice's name or value too long, is refused."""
    bot.choices = choices
    offered = await member.autocomplete(channel, "violate", "kind", "")
    caught(strict_discord, expected)
    assert not offered


async def test_rows_and_buttons_over_five_are_refused(strict_discord, bot, channel):
    """Six rows, or six buttons in a row (which discord.py's View never builds), are refused."""
    button = {"type": 2, "style": 1, "label": "b"}
    rows = [{"type": 1, "components": [{**button, "custom_id": f"{r}"}]} for r in range(6)]
    wide = [{"type": 1, "components": [{**button, "custom_id": f"{n}"} for n in range(6)]}]
    for components, expected in [(rows, "6 rows, over Discord's 5"), (wide, "holds 6 components")]:
        with pytest.raises(discord.HTTPException):
            route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel.id)
            await bot.http.request(route, json={"content": "rows", "components": components})
        caught(strict_discord, expected)


async def test_eleven_embeds_or_attachments_are_refused(strict_discord, bot, channel):
    """Eleven embeds, or eleven files, in one message (which discord.py itself never sends) are refused."""
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel.id)
    with pytest.raises(discord.HTTPException):
        await bot.http.request(route, json={"embeds": [{"title": "t"}] * 11})
    caught(strict_discord, "11 embeds, over Discord's 10 a message")
    files = [discord.File(io.BytesIO(b"x"), f"{n}.txt") for n in range(11)]
    form = [{"name": "payload_json", "value": json.dumps({"content": "files"})}]
    with pytest.raises(discord.HTTPException):
        await bot.http.request(route, form=form, files=files)
    caught(strict_discord, "11 attachments, over Discord's 10 a message")


async def test_a_select_of_26_options_is_refused(strict_discord, bot, channel):
    """A select menu of 26 options is refused."""
    options = [{"label": str(n), "value": str(n)} for n in range(26)]
    select = {"type": 3, "custom_id": "pick", "options": options}
    with pytest.raises(discord.HTTPException):
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel.id)
        await bot.http.request(route, json={"components": [{"type": 1, "components": [select]}]})
    caught(strict_discord, "has 26 options, over Discord's 25")


async def test_a_message_edit_over_a_limit_is_refused(strict_discord, bot, channel):
    """Editing a message past 2,000 characters is refused like sending one."""
    sent = await bot.get_channel(channel.id).send("short")
    with pytest.raises(discord.HTTPException):
        await sent.edit(content="x" * 2001)
    report = caught(strict_discord, "content is 2,001 characters")
    assert f"PATCH /channels/{channel.id}/messages/{sent.id}" in report


async def test_the_51st_channel_of_a_category_is_refused(strict_discord, bot, guild):
    """A channel create into a category of 50 channels is refused."""
    category = guild.create_category("full")
    for n in range(50):
        guild.create_text_channel(f"c{n}", category=category)
    with pytest.raises(discord.HTTPException):
        await bot.get_channel(category.id).create_text_channel("one-more")
    caught(strict_discord, "Maximum number of channels in category reached (50)")


async def test_the_501st_channel_of_a_guild_is_refused(strict_discord, bot, guild, channel):
    """A channel create in a guild of 500 channels is refused with 30013."""
    for n in range(499):
        guild.create_text_channel(f"c{n}")
    with pytest.raises(discord.HTTPException) as refused:
        await bot.get_guild(guild.id).create_text_channel("one-more")
    assert refused.value.code == 30013
    caught(strict_discord, "Maximum number of guild channels reached (500)")


async def test_bulk_deletes_outside_discords_rules_are_refused(strict_discord, simcord_env, bot, channel):
    """A bulk delete of one id, of 101, of a repeated id, or of a message 14 days old is refused."""
    text_channel = bot.get_channel(channel.id)
    old = [await text_channel.send(f"old {n}") for n in range(2)]
    await simcord_env.advance_time(14 * 24 * 3600)
    new = await text_channel.send("new")
    route = Route("POST", "/channels/{channel_id}/messages/bulk-delete", channel_id=channel.id)
    cases = [
        ([new.id], "a bulk delete of 1 messages, outside Discord's 2-100"),
        ([new.id + n for n in range(101)], "a bulk delete of 101 messages"),
        ([new.id, new.id], "a bulk delete repeating ids"),
        ([old[0].id, new.id], f"a bulk delete of message {old[0].id}, 14 days old"),
    ]
    for ids, expected in cases:
        with pytest.raises(discord.HTTPException):
            await bot.http.request(route, json={"messages": [str(id_) for id_ in ids]})
        caught(strict_discord, expected)
    await text_channel.delete_messages([new, await text_channel.send("newer")])  # a clean one passes
    assert strict_discord.violations == []


SWALLOWED = """
from simcord.http import router


def test_swallows_a_refusal():
    try:
        router.dispatch(None, "POST", "/channels/1/messages", json={"content": "x" * 2001})
    except Exception:
        pass  # a bot that hides Discord's refusal behind an apology
"""


def test_a_refusal_the_bot_swallows_still_fails_its_test(strict_discord, pytester):
    """A test whose bot catches Discord's refusal fails anyway, with the limit, the value and the request."""
    pytester.makeconftest('pytest_plugins = ["tests.strict_discord"]')
    pytester.makepyfile(SWALLOWED)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:asyncio")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*POST /channels/1/messages: content is 2,001 characters, over Discord's 2,000*"])
    strict_discord.violations.clear()  # the inner test's request went through this test's checker too
