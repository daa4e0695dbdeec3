"""Where the engine keeps its channels and messages."""

from .base import MESSAGE_LIMIT, Backend, StoredMessage
from .discord_backend import DiscordBackend
from .memory import MemoryBackend

__all__ = ["MESSAGE_LIMIT", "Backend", "DiscordBackend", "MemoryBackend", "StoredMessage"]
