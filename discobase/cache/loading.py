"""Reading a table's channel back into memory (a cold load).

History comes newest first, 100 messages a request. The first message that
names an id decides it (I2 in store.py): later (older) copies of that id are
shadowed, a ``gone`` marker deletes it; the next id is one above the highest
any message names (I3). With the commit (stored_table.py), loading is one of
the two writers of a table's state. Only the bot's own messages are read.
Messages compaction may fold are noted as it goes (compaction.py): every one
it can read, but the tagged parts of imports. What a message carries of
history and trash is kept, as it is stored, for the ids it decides (I8):
messages without any cost nothing more.
"""

from __future__ import annotations

import logging

from ..backend import Backend
from ..model.records import Record, decode_message
from .stored_table import StoredTable

__all__ = ["load_table"]

log = logging.getLogger(__name__)


async def load_table(backend: Backend, table: StoredTable) -> None:
    """Fill ``table`` from its channel; raises ``ChannelMissing`` if the channel is gone."""
    records: dict[int, Record] = {}
    decided: set[int] = set()
    batch_messages: set[int] = set()
    shadowed: set[int] = set()
    imports: dict[str, set[int]] = {}
    part_in: dict[int, tuple[str, int]] = {}
    loose: set[int] = set()
    gone_in: dict[int, set[int]] = {}
    extras: list[tuple[int, str]] = []
    highest = 0
    decode = table.schema.decoder()
    async for message in backend.history(table.channel_id):
        if message.author_id != backend.me_id:
            continue
        decoded = decode_message(message.text)
        is_batch = decoded.is_batch
        if decoded.import_key is not None:
            imports.setdefault(decoded.import_key, set()).add(decoded.part)
            part_in[message.id] = (decoded.import_key, decoded.part)
        elif decoded.records:
            loose.add(message.id)
        if decoded.extra:
            extras.append((message.id, decoded.extra))
        for stored in decoded.records:
            highest = max(highest, stored.id)
            if stored.id in decided:
                newer = records.get(stored.id)
                if newer is not None:
                    # The newer message is an update of this copy: the record was created here, or before.
                    first = stored.created or message.id
                    newer.created_message_id = min(newer.created_message_id or first, first)
                shadowed.add(stored.id)  # an older copy: deleting the newer message alone would bring it back
                continue
            decided.add(stored.id)
            if stored.gone:
                gone_in.setdefault(message.id, set()).add(stored.id)
                continue
            values = decode(stored.data)
            records[stored.id] = Record(stored.id, values, stored.creator_id, message.id, stored.created)
            if is_batch:
                batch_messages.add(message.id)
    table.fill(list(records.values()), highest + 1, batch_messages, shadowed, imports, loose, gone_in, part_in, extras)
    log.info("table %s loaded: %d records", table.name, len(records))
