"""Discord's limits on channels, enforced on SimCord, which has none: 500 a server, 50 a category.

Source: discord-api-docs, "Guild" resource (Create Guild Channel) and the JSON
error codes: 30013 "Maximum number of guild channels reached (500)"; a category
past 50 children answers 400, 50035 Invalid Form Body, with
``parent_id: CHANNEL_PARENT_MAX_CHANNELS`` "Maximum number of channels in
category reached (50)". Threads count towards neither. The patch sits on
SimCord's one place that makes a guild channel, so a request from the bot and a
channel a test builds alike meet the limits (a test filling a server up to 500
builds its channels the same way a member would make them).

Moving a channel into a full category (an edit) is not checked: the bot never does it.
"""

from __future__ import annotations

from typing import Any

import pytest
from simcord.backend import errors
from simcord.backend.models.channel import THREAD_TYPES
from simcord.backend.ops.channels import ChannelMixin

from discobase.backend.base import CATEGORY_CHANNEL_LIMIT, GUILD_CHANNEL_LIMIT

__all__ = ["discord_channel_limits", "enforce_channel_limits"]


def _guild_full() -> errors.BackendError:
    return errors.BackendError(400, 30013, f"Maximum number of guild channels reached ({GUILD_CHANNEL_LIMIT})")


def _category_full() -> errors.BackendError:
    message = f"Maximum number of channels in category reached ({CATEGORY_CHANNEL_LIMIT})"
    return errors.invalid_form_body(
        message, errors={"parent_id": {"_errors": [{"code": "CHANNEL_PARENT_MAX_CHANNELS", "message": message}]}}
    )


def enforce_channel_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make SimCord refuse a guild's 501st channel and a category's 51st, as Discord does."""
    original = ChannelMixin.create_channel

    def create_channel(self: Any, guild_id: int | None, name: str | None, **kwargs: Any) -> Any:
        if guild_id is not None and kwargs.get("type") not in THREAD_TYPES:
            channels = [self.channels[i] for i in self.get_guild(guild_id).channel_ids if i in self.channels]
            counted = [channel for channel in channels if not channel.is_thread]
            if len(counted) >= GUILD_CHANNEL_LIMIT:
                raise _guild_full()
            parent_id = kwargs.get("parent_id")
            if parent_id is not None and sum(c.parent_id == parent_id for c in counted) >= CATEGORY_CHANNEL_LIMIT:
                raise _category_full()
        return original(self, guild_id, name, **kwargs)

    monkeypatch.setattr(ChannelMixin, "create_channel", create_channel)


@pytest.fixture(autouse=True)
def discord_channel_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every SimCord test meets Discord's channel limits (import this fixture into a conftest to apply it)."""
    enforce_channel_limits(monkeypatch)
