"""The cog tests share the fixtures of tests/conftest.py (the bot, a guild, members, a `books` table)."""

from tests.conftest import BOOKS_COLUMNS

__all__ = ["BOOKS_COLUMNS"]
