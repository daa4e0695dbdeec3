"""Keeping the cache true when someone changes the storage channels by hand (gateway events).

Event handlers have nobody to answer, so they change memory at once and leave
any write this needs (a ``gone`` marker, a rebuilt catalog) to a background
task that passes the write gate like every other write. A record message
deleted by hand is a draft too (I5 in store.py): the table applies it as it
applies every commit, without a request, since Discord has it already.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from ..cache.catalog_cache import Tables
from ..cache.draft import Draft
from .commit import Committer
from .gate import WriteGate
from .lease import Lease

__all__ = ["Reconciler"]

log = logging.getLogger(__name__)


class Reconciler:
    """Applies the gateway's news about one guild's storage channels to its store."""

    def __init__(
        self,
        tables: Tables,
        gate: WriteGate,
        committer: Committer,
        restore_lost: Callable[[], Coroutine[Any, Any, None]],
        lease: Lease | None,
    ) -> None:
        self.tables = tables
        self.gate = gate
        self.committer = committer
        self.restore_lost = restore_lost
        self.lease = lease

    def message_deleted(self, channel_id: int, message_id: int) -> None:
        """A message was deleted (by hand, or by us): drop the record, catalog entry or claim it held."""
        if channel_id == self.tables.catalog_id:
            lease = self.lease
            if lease is not None and lease.claim_deleted(message_id):
                self.gate.spawn(lambda: lease.tombstone(channel_id))
            if message_id == self.tables.settings_message_id:
                log.warning("settings message deleted by hand: back to the default settings (no audit channel)")
                self.tables.settings_deleted()
            for table in self.tables.all():
                if table.catalog_message_id == message_id:
                    log.warning("catalog entry of %s deleted by hand: the table is no longer known", table.name)
                    self.tables.removed(table)
            return
        holder = self.tables.by_channel(channel_id)
        if holder is None or not holder.loaded:
            return
        live, gone = holder.decided_by(message_id)
        for record_id in gone:
            log.info("deletion marker of record %d of %s deleted by hand", record_id, holder.name)
        for record_id in live:
            log.info("record %d of %s deleted by hand", record_id, holder.name)
        if holder.apply(Draft(holder, deleted_by_hand=message_id), None) and not self.gate.closing:
            self.gate.spawn(lambda: self.committer.settle(holder.name))

    def channel_deleted(self, channel_id: int) -> None:
        """A channel was deleted: a table's becomes damaged; the catalog's or first category's is rebuilt, tables kept.

        A further storage category (``discobase-2``, …) needs nothing: Discord
        keeps its channels, outside any category, and tables name them by id;
        the categories are looked up by name on each use, so the next table that
        finds the others full makes it again.
        """
        if channel_id in (self.tables.catalog_id, self.tables.category_id) and not self.tables.removing:
            log.warning(
                "storage channel %d deleted by hand: rebuilding the layout, with the %d tables known",
                channel_id,
                len(self.tables.all()),
            )
            self.tables.layout_lost()
            if self.lease is not None:
                self.lease.forget()
            if not self.gate.closing:
                self.gate.spawn(self.restore_lost)
            return
        damaged = self.tables.by_channel(channel_id)
        if damaged is not None:
            log.warning("channel of table %s deleted by hand: table damaged", damaged.name)
            damaged.mark_damaged()

    def reconnected(self) -> None:
        """A new gateway session (not a resumed one): deletions made meanwhile were never seen, so read again."""
        self.tables.invalidate()
