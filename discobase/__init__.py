"""discobase: a Discord server as a small database.

The storage engine (``Engine``, ``GuildStore``) and the library API of the
original discobase (``Database``, ``Table``) on top of it.
"""

from .backend import Backend, DiscordBackend, MemoryBackend
from .bulk import BulkResult, ImportRejected, RowProblem
from .cached_table import CachedTable
from .columns import ColumnType
from .database import Database, default_intents
from .engine import Engine
from .errors import (
    BadValue,
    ChannelMissing,
    DiscobaseError,
    DiscordUnavailable,
    GrammarError,
    MissingPermission,
    NotConnected,
    RecordNotFound,
    SchemaError,
    ShuttingDown,
    StorageBusy,
    StorageDamaged,
    TableDamaged,
    TableExists,
    UniqueViolation,
    UnknownColumn,
    UnknownTable,
)
from .grammar import parse_columns, parse_query, parse_sort, parse_values, parse_where
from .problems import value_problems
from .query import Condition, Query
from .records import Record
from .schema import Column, TableSchema
from .store import GuildStore
from .table import Table, Unique

__all__ = [
    "Backend",
    "BadValue",
    "BulkResult",
    "CachedTable",
    "ChannelMissing",
    "Column",
    "ColumnType",
    "Condition",
    "Database",
    "DiscobaseError",
    "DiscordBackend",
    "DiscordUnavailable",
    "Engine",
    "GrammarError",
    "GuildStore",
    "ImportRejected",
    "MemoryBackend",
    "MissingPermission",
    "NotConnected",
    "Query",
    "Record",
    "RecordNotFound",
    "RowProblem",
    "SchemaError",
    "ShuttingDown",
    "StorageBusy",
    "StorageDamaged",
    "Table",
    "TableDamaged",
    "TableExists",
    "TableSchema",
    "Unique",
    "UniqueViolation",
    "UnknownColumn",
    "UnknownTable",
    "default_intents",
    "parse_columns",
    "parse_query",
    "parse_sort",
    "parse_values",
    "parse_where",
    "value_problems",
]
