"""discobase: a Discord server as a small database.

The storage engine (``Engine``, ``GuildStore``) and the library API of the
published discobase 1.0 (``Database``, ``Table``, ``discobase.exceptions``) on top of it.
"""

import sys
from importlib.metadata import PackageNotFoundError, version

from . import cache, errors, model, write
from . import exceptions as exceptions  # discobase 1.0's module of errors
from .backend import Backend, DiscordBackend, MemoryBackend
from .backend.base import DEFAULT_UPLOAD_LIMIT
from .cache.changes import HistoryEntry, TrashedRecord
from .cache.stored_table import CachedTable, StoredTable
from .database import Database, default_intents
from .engine import Engine
from .errors import *  # noqa: F403  (every error class; the list is errors.__all__)
from .model.catalog import EVERYONE, Access, Settings
from .model.columns import ColumnType
from .model.grammar import parse_columns, parse_query, parse_sort, parse_type, parse_values, parse_where
from .model.problems import value_problems
from .model.query import Condition, Query
from .model.records import Found, Record
from .model.schema import Column, TableSchema, View
from .model.summary import DateRange, Group, GroupBy, NumberStats, Summary, parse_by, parse_of, summarize
from .model.views import Selection, parse_column_list, select
from .store import GuildStore
from .table import Deleted, Table, Unique
from .write import guard, retry
from .write.bulk_changes import BulkUpdate, UpsertResult
from .write.compaction import CompactionResult
from .write.imports import BulkResult
from .write.schema_changes import AlterResult
from .write.undo import Undone

try:
    __version__ = version("discobase")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
__license__ = "MIT"

# Modules that moved into subpackages keep their old import paths (``import discobase.lease`` still works).
_MOVED = {
    "alteration": model.alteration,
    "budget": cache.budget,
    "bulk": write.imports,
    "bulk_changes": write.bulk_changes,
    "cached_table": cache.stored_table,
    "catalog": model.catalog,
    "columns": model.columns,
    "compaction": write.compaction,
    "events": write.events,
    "gate": write.gate,
    "grammar": model.grammar,
    "guard": write.guard,
    "group_commit": write.group_commit,
    "lease": write.lease,
    "loading": cache.loading,
    "metrics": write.metrics,
    "problems": model.problems,
    "query": model.query,
    "record_writes": write.record_writes,
    "records": model.records,
    "retry": write.retry,
    "schema": model.schema,
    "schema_changes": write.schema_changes,
    "table_changes": write.table_changes,
    "tables": cache.catalog_cache,
}
for _old, _module in _MOVED.items():
    sys.modules.setdefault(f"{__name__}.{_old}", _module)
    globals().setdefault(_old, _module)

__all__ = [
    "DEFAULT_UPLOAD_LIMIT",
    "EVERYONE",
    "Access",
    "AlterResult",
    "Backend",
    "BulkResult",
    "BulkUpdate",
    "CachedTable",
    "Column",
    "ColumnType",
    "CompactionResult",
    "Condition",
    "Database",
    "DateRange",
    "Deleted",
    "DiscordBackend",
    "Engine",
    "Found",
    "Group",
    "GroupBy",
    "GuildStore",
    "HistoryEntry",
    "MemoryBackend",
    "NumberStats",
    "Query",
    "Record",
    "Selection",
    "Settings",
    "StoredTable",
    "Summary",
    "Table",
    "TableSchema",
    "TrashedRecord",
    "Undone",
    "Unique",
    "UpsertResult",
    "View",
    "__license__",
    "__version__",
    "default_intents",
    "guard",
    "parse_by",
    "parse_column_list",
    "parse_columns",
    "parse_of",
    "parse_query",
    "parse_sort",
    "parse_type",
    "parse_values",
    "parse_where",
    "retry",
    "select",
    "summarize",
    "value_problems",
]
__all__ += errors.__all__
