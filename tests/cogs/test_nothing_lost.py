"""/record trash, restore, history and undo, as members use them; through restarts and compaction."""

from __future__ import annotations

import fnmatch

import pytest

import discobase
from bot import create_bot
from cogs.utils.errors import NotAllowed, Refused

from .helpers import refusal, reply


@pytest.fixture
async def three(member, channel, books) -> None:
    """Records 1 to 3 of `books`, inserted by `member`."""
    for title in ("Dune", "Emma", "Ulysses"):
        await member.slash(channel, "record insert", table="books", values=f"title={title}, author=X")


def storage_writes(env, since: int) -> list[str]:
    """The requests that wrote to storage channels since ``since`` (interaction answers are not storage)."""
    return [
        f"{r.method} {r.path}"
        for r in env.http_requests[since:]
        if r.method in ("POST", "PATCH", "DELETE") and fnmatch.fnmatch(r.path, "/channels/*/messages*")
    ]


async def test_each_write_still_costs_one_request(simcord_env, member, channel, three):
    """Insert, update, delete and restore through the commands: one storage request each, history kept."""
    for command, options in (
        ("record insert", {"values": "title=Kim, author=Y"}),
        ("record update", {"id": 1, "set": "year=1965"}),
        ("record delete", {"id": 2}),
        ("record restore", {"id": 2}),
    ):
        before = len(simcord_env.http_requests)
        reply(await member.slash(channel, command, table="books", **options))
        assert len(storage_writes(simcord_env, before)) == 1, command


async def test_trash_lists_deleted_records_and_restore_brings_one_back(
    simcord_env, settings, member, moderator, channel, three, store
):
    """Deleted: in the trash with who and when; restored under its id with its creator, after a restart too."""
    created = (await store.get("books", 2)).created_at
    await moderator.slash(channel, "record delete", table="books", id=2)
    trash = reply(await member.slash(channel, "record trash", table="books")).embeds[0]
    assert [field.name for field in trash.fields] == ["#2"]
    assert "title: Emma" in trash.fields[0].value and f"deleted by <@{moderator.id}>" in trash.fields[0].value
    await simcord_env.bot.close()  # a clean restart: the old process releases its write lease
    await simcord_env.restart_bot(create_bot(settings))
    restored = reply(await member.slash(channel, "record restore", table="books", id=2))
    assert restored.content.startswith("Restored record **2** to `books`: title: Emma")
    store = simcord_env.bot.engine.store(simcord_env.bot.get_guild(moderator.guild.id))
    record = await store.get("books", 2)
    assert record.creator_id == member.id and record.created_at == created
    empty = reply(await member.slash(channel, "record trash", table="books"))
    assert empty.content == "The trash of `books` is empty."


async def test_restore_clash_is_refused_naming_both(simcord_env, member, channel, three, store):
    """A unique title taken since the delete: refused, both records named, nothing restored."""
    await member.slash(channel, "record delete", table="books", id=1)
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=Z")
    text = refusal(simcord_env, await member.slash(channel, "record restore", table="books", id=1), Refused)
    assert "Nothing was restored" in text and "record **1**" in text and "record **4**" in text
    assert [r.id for r in await store.find("books")] == [2, 3, 4]


async def test_restore_needs_the_right_to_delete_the_record(simcord_env, member, other_member, channel, three, store):
    """Another plain member may not restore someone else's record; nothing restored."""
    await member.slash(channel, "record delete", table="books", id=3)
    result = await other_member.slash(channel, "record restore", table="books", id=3)
    assert "can restore it" in refusal(simcord_env, result, NotAllowed)
    assert [r.id for r in await store.find("books")] == [1, 2]


async def test_restore_of_an_id_not_in_the_trash_says_why(simcord_env, member, channel, three):
    """Never given, or not deleted: named."""
    text = refusal(
        simcord_env, await member.slash(channel, "record restore", table="books", id=9), discobase.NotInTrash
    )
    assert "was never given" in text
    text = refusal(
        simcord_env, await member.slash(channel, "record restore", table="books", id=1), discobase.NotInTrash
    )
    assert "is not deleted" in text


async def test_restore_by_where_asks_first_then_restores_all(simcord_env, moderator, member, channel, three, store):
    """`where` over the trash: a confirmation for the asker, then every match in one request."""
    asked = reply(await moderator.slash(channel, "record delete", table="books", where="author = X"))
    await moderator.click(asked, label="Delete 3 records")
    prompt = reply(await moderator.slash(channel, "record restore", table="books", where="title != Emma"))
    assert prompt.ephemeral and "Restore 2 records of `books`" in prompt.content
    before = len(simcord_env.http_requests)
    done = reply(await moderator.click(prompt, label="Restore 2 records"))
    assert done.content == "Restored 2 records: #1, #3."
    assert len(storage_writes(simcord_env, before)) == 1
    assert [r.id for r in await store.find("books")] == [1, 3]


async def test_history_lists_changes_newest_first_after_compaction_and_restart(
    simcord_env, settings, member, moderator, channel, three, store
):
    """Insert, update, delete, restore: each with who and old -> new; the same after compaction and a restart."""
    await member.slash(channel, "record update", table="books", id=1, set="year=1965")
    await moderator.slash(channel, "record delete", table="books", id=1)
    await member.slash(channel, "record restore", table="books", id=1)
    await store.compact("books")
    await simcord_env.bot.close()  # a clean restart: the old process releases its write lease
    await simcord_env.restart_bot(create_bot(settings))
    embed = reply(await member.slash(channel, "record history", table="books", id=1)).embeds[0]
    assert [field.name for field in embed.fields] == [
        f"restore by <@{member.id}>",
        f"delete by <@{moderator.id}>",
        f"update by <@{member.id}>",
        f"insert by <@{member.id}>",
    ]
    assert "`year`: \u2014 \u2192 1965" in embed.fields[2].value


async def test_history_needs_read_access_and_a_private_table_answers_privately(
    simcord_env, admin, member, other_member, channel, three, guild
):
    """A table with a read role: its readers see the history privately; a member who may only write is refused."""
    staff = guild.create_role("Staff")
    await admin.slash(channel, "table access", table="books", read=staff)
    refused = await other_member.slash(channel, "record history", table="books", id=1)
    assert "can read them" in refusal(simcord_env, refused, NotAllowed)  # a writer who may not read
    answer = reply(await admin.slash(channel, "record history", table="books", id=1))
    assert answer.ephemeral and answer.embeds[0].fields[0].name == f"insert by <@{member.id}>"


async def test_undo_reverses_insert_update_and_delete_even_after_a_restart(
    simcord_env, settings, member, channel, books, store
):
    """Each undo answers like the command it reverses and reaches the change before; a restart changes nothing."""
    await member.slash(channel, "record insert", table="books", values="title=Dune, author=X")
    await member.slash(channel, "record update", table="books", id=1, set="year=1965")
    await member.slash(channel, "record delete", table="books", id=1)
    undone = reply(await member.slash(channel, "record undo", table="books"))
    assert "Undid your delete" in undone.content and "Restored record **1**" in undone.content
    await simcord_env.bot.close()  # a clean restart: the old process releases its write lease
    await simcord_env.restart_bot(create_bot(settings))
    undone = reply(await member.slash(channel, "record undo", table="books"))
    assert undone.content.startswith("Updated record **1** of `books` (undid your update)")
    assert "`year`: 1965 \u2192 \u2014" in undone.content
    undone = reply(await member.slash(channel, "record undo", table="books"))
    assert "Undid your insert" in undone.content and "Deleted record **1**" in undone.content
    store = simcord_env.bot.engine.store(simcord_env.bot.get_guild(member.guild.id))
    assert await store.find("books") == []
    text = refusal(simcord_env, await member.slash(channel, "record undo", table="books"), discobase.NothingToUndo)
    assert "no change to undo" in text


async def test_undo_of_a_bulk_change_is_refused_when_a_record_changed_since(
    simcord_env, member, moderator, channel, three, store
):
    """A bulk update, then someone else's change of one of its records: nothing undone, the record and who named."""
    prompt = reply(await moderator.slash(channel, "record update", table="books", where="author = X", set="year=1"))
    await moderator.click(prompt, label="Update 3 records")
    await member.slash(channel, "record update", table="books", id=2, set="year=2")
    result = await moderator.slash(channel, "record undo", table="books")
    text = refusal(simcord_env, result, discobase.UndoRefused)
    assert "Nothing was undone" in text and f"record 2 (by <@{member.id}>)" in text
    assert [r.values["year"] for r in await store.find("books")] == [1, 2, 1]


async def test_undo_of_a_bulk_delete_restores_all(simcord_env, moderator, channel, three, store):
    """A bulk delete undone whole, in one request."""
    prompt = reply(await moderator.slash(channel, "record delete", table="books", where="author = X"))
    await moderator.click(prompt, label="Delete 3 records")
    before = len(simcord_env.http_requests)
    undone = reply(await moderator.slash(channel, "record undo", table="books"))
    assert "Undid your bulk delete" in undone.content and "Restored 3 records: #1, #2, #3." in undone.content
    assert len(storage_writes(simcord_env, before)) == 1
    assert [r.id for r in await store.find("books")] == [1, 2, 3]


async def test_trash_is_paged(member, channel, books):
    """Twelve deleted records: ten on the first page, Next for the rest."""
    for n in range(12):
        await member.slash(channel, "record insert", table="books", values=f"title=T{n}, author=X")
    for n in range(1, 13):
        await member.slash(channel, "record delete", table="books", id=n)
    page = reply(await member.slash(channel, "record trash", table="books"))
    assert [field.name for field in page.embeds[0].fields][:2] == ["#12", "#11"]
    assert len(page.embeds[0].fields) == 10 and "page 1 of 2" in page.embeds[0].footer.text
    turned = reply(await member.click(page, label="Next"))
    assert [field.name for field in turned.embeds[0].fields] == ["#2", "#1"]


async def test_alter_column_is_in_the_history_and_not_undone(simcord_env, admin, member, channel, three):
    """A type change rewrites the records: each history names it; the admin's undo does not reach it."""
    await admin.slash(channel, "table alter-column", table="books", column="year", type="text")
    embed = reply(await member.slash(channel, "record history", table="books", id=1)).embeds[0]
    assert [field.name for field in embed.fields] == [f"alter-column by <@{admin.id}>", f"insert by <@{member.id}>"]
    await admin.slash(channel, "table alter-column", table="books", column="year", optional=False, default="unknown")
    embed = reply(await member.slash(channel, "record history", table="books", id=1)).embeds[0]
    assert embed.fields[0].value.endswith("`year`: — → unknown")  # old -> new, under the new key
    result = await admin.slash(channel, "record undo", table="books")
    assert "no change to undo" in refusal(simcord_env, result, discobase.NothingToUndo)


async def test_restore_by_where_with_a_clash_restores_nothing(simcord_env, moderator, member, channel, three, store):
    """One of the matches clashes on a unique value: the press restores none of them and names both records."""
    asked = reply(await moderator.slash(channel, "record delete", table="books", where="author = X"))
    await moderator.click(asked, label="Delete 3 records")
    await member.slash(channel, "record insert", table="books", values="title=Emma, author=Z")
    prompt = reply(await moderator.slash(channel, "record restore", table="books", where="author = X"))
    done = reply(await moderator.click(prompt, label="Restore 3 records"))
    assert done.content.startswith("Nothing was restored to `books`:")
    assert "Record 2, column `title`" in done.content and "record 4" in done.content
    assert [r.id for r in await store.find("books")] == [4]


async def test_a_member_who_may_only_write_sees_and_restores_their_own(
    simcord_env, admin, member, other_member, channel, books, guild, store
):
    """A table read by staff only: a member's trash shows their own records, which they restore; others' are unseen."""
    await admin.slash(channel, "table access", table="books", read=guild.create_role("Staff"))
    for actor, title in ((member, "Mine"), (other_member, "Theirs")):
        await actor.slash(channel, "record insert", table="books", values=f"title={title}, author=X")
    await member.slash(channel, "record delete", table="books", id=1)
    await other_member.slash(channel, "record delete", table="books", id=2)
    trash = reply(await member.slash(channel, "record trash", table="books"))
    assert trash.ephemeral and [field.name for field in trash.embeds[0].fields] == ["#1"]
    refused = await member.slash(channel, "record restore", table="books", id=2)
    assert "is not among the records" in refusal(simcord_env, refused, discobase.NotInTrash)
    restored = reply(await member.slash(channel, "record restore", table="books", id=1))
    assert restored.ephemeral and restored.content.startswith("Restored record **1**")
    assert [r.id for r in await store.find("books")] == [1]


async def test_restore_offers_the_ids_in_the_trash(member, channel, three):
    """`/record restore`'s id autocompletes the deleted records, with their values."""
    await member.slash(channel, "record delete", table="books", id=2)
    choices = await member.autocomplete(channel, "record restore", "id", "", table="books")
    assert [(choice["name"], choice["value"]) for choice in choices] == [
        ("2 \u00b7 title: Emma \u00b7 author: X \u00b7 read: false", 2)
    ]
