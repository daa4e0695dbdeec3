"""The exceptions, under the module name of the published discobase 1.0.

Its six classes are here with its names: ``DiscobaseError`` is the base of
every error; ``NotConnectedError`` is ``NotConnected``; and each of our errors
derives from the family it belongs to, so code written for discobase 1.0 that
catches ``DatabaseTableError`` (a class or table problem),
``DatabaseLookupError`` (unknown table, column or record, no unique match),
``DatabaseStorageError`` (a write refused or failed) or
``DatabaseCorruptionError`` (damaged storage) catches what it expects.
"""

from .errors import (
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
    MessageMissing,
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
from .write.bulk_changes import BulkRejected
from .write.imports import ImportRejected

__all__ = [
    "AlreadySaved",
    "BadValue",
    "BulkRejected",
    "ChannelMissing",
    "DatabaseCorruptionError",
    "DatabaseLookupError",
    "DatabaseStorageError",
    "DatabaseTableError",
    "DiscobaseError",
    "DiscordUnavailable",
    "GrammarError",
    "ImportRejected",
    "MessageMissing",
    "MissingPermission",
    "NoUniqueMatch",
    "NotBuilt",
    "NotConnected",
    "NotConnectedError",
    "NotSaved",
    "PartlyStored",
    "RecordNotFound",
    "RecordRejected",
    "SchemaError",
    "ShuttingDown",
    "StorageBusy",
    "StorageDamaged",
    "TableDamaged",
    "TableExists",
    "UniqueViolation",
    "UnknownColumn",
    "UnknownTable",
]
