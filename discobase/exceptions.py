"""The exceptions, under the module name of the published discobase 1.0.

Its six classes are here with its names: ``DiscobaseError`` is the base of
every error; ``NotConnectedError`` is ``NotConnected``; and each of our errors
derives from the family it belongs to, so code written for discobase 1.0 that
catches ``DatabaseTableError`` (a class or table problem),
``DatabaseLookupError`` (unknown table, column or record, no unique match),
``DatabaseStorageError`` (a write refused or failed) or
``DatabaseCorruptionError`` (damaged storage) catches what it expects.
"""

from .errors import *  # noqa: F403  (the error classes, listed once, in errors.py)
from .errors import __all__ as __all__
