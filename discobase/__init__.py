"""discobase: a Discord server as a small database.

The storage engine (``Engine``, ``GuildStore``) and the library API of the
published discobase 1.0 (``Database``, ``Table``, ``discobase.exceptions``) on top of it.
"""

from importlib.metadata import PackageNotFoundError, version

from . import guard, retry
from .alteration import AlterProblem, AlterRejected
from .backend import Backend, DiscordBackend, MemoryBackend
from .bulk import BulkResult, ImportRejected, RowProblem
from .bulk_changes import BulkRejected, BulkUpdate, RecordProblem, UpsertResult
from .cached_table import CachedTable
from .catalog import EVERYONE, Access, Settings
from .columns import ColumnType
from .compaction import CompactionResult
from .database import Database, default_intents
from .engine import Engine
from .exceptions import (
    AlreadySaved,
    BadValue,
    ChannelMissing,
    DatabaseCorruptionError,
    DatabaseLookupError,
    DatabaseStorageError,
    DatabaseTableError,
    DiscobaseError,
    DiscordUnavailable,
    GrammarError,
    MissingPermission,
    NotBuilt,
    NotConnected,
    NotConnectedError,
    NotSaved,
    NoUniqueMatch,
    PartlyStored,
    RecordNotFound,
    RecordRejected,
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
from .grammar import parse_columns, parse_query, parse_sort, parse_type, parse_values, parse_where
from .problems import value_problems
from .query import Condition, Query
from .records import Record
from .schema import Column, TableSchema
from .schema_changes import AlterResult
from .store import GuildStore
from .table import Table, Unique

try:
    __version__ = version("discobase")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
__license__ = "MIT"

__all__ = [
    "EVERYONE",
    "Access",
    "AlreadySaved",
    "AlterProblem",
    "AlterRejected",
    "AlterResult",
    "Backend",
    "BadValue",
    "BulkRejected",
    "BulkResult",
    "BulkUpdate",
    "CachedTable",
    "ChannelMissing",
    "Column",
    "ColumnType",
    "CompactionResult",
    "Condition",
    "Database",
    "DatabaseCorruptionError",
    "DatabaseLookupError",
    "DatabaseStorageError",
    "DatabaseTableError",
    "DiscobaseError",
    "DiscordBackend",
    "DiscordUnavailable",
    "Engine",
    "GrammarError",
    "GuildStore",
    "ImportRejected",
    "MemoryBackend",
    "MissingPermission",
    "NoUniqueMatch",
    "NotBuilt",
    "NotConnected",
    "NotConnectedError",
    "NotSaved",
    "PartlyStored",
    "Query",
    "Record",
    "RecordNotFound",
    "RecordProblem",
    "RecordRejected",
    "RowProblem",
    "SchemaError",
    "Settings",
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
    "UpsertResult",
    "__license__",
    "__version__",
    "default_intents",
    "guard",
    "parse_columns",
    "parse_query",
    "parse_sort",
    "parse_type",
    "parse_values",
    "parse_where",
    "retry",
    "value_problems",
]
