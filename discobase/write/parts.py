"""What the writers of one guild's store share: the pieces ``GuildStore`` builds once and every writer uses.

The writers (record_writes.py, bulk_changes.py, table_changes.py,
schema_changes.py) are the capabilities ``GuildStore`` is made of: each builds
drafts (or catalog edits) over these parts, and none calls another.
"""

from __future__ import annotations

import functools

from ..backend import Backend
from ..cache.catalog_cache import Tables
from ..cache.stored_table import StoredTable
from ..model.catalog import Access, CatalogEntry, encode_entry
from ..model.schema import TableSchema
from .commit import Committer
from .compaction import Compactor
from .gate import WriteGate
from .group_commit import GroupCommit

__all__ = ["StoreParts"]


class StoreParts:
    """The backend, the catalog map, the write gate, the one commit path, the tables' write queues, compaction."""

    backend: Backend
    tables: Tables
    gate: WriteGate
    committer: Committer
    queues: GroupCommit
    compactor: Compactor

    async def _write_entry(
        self, table: StoredTable, schema: TableSchema | None = None, access: Access | None = None
    ) -> None:
        """Edit the table's catalog entry to hold ``schema`` and ``access`` (the table's own if not given): 1 request.

        Memory follows only once Discord has stored it (the caller sets it).
        """
        entry = encode_entry(CatalogEntry(schema or table.schema, table.channel_id, access or table.access))
        edit = functools.partial(self.backend.edit, self.tables.catalog(), table.catalog_message_id, entry)
        await self.gate.call(edit, table)
