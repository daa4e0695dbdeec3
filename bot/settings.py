"""Settings of the bot process, read from the environment and a ``.env`` file.

A real environment variable wins over the same name in ``.env`` (python-dotenv
reads the file; nothing is written back into ``os.environ``). Every problem is
reported as one ``SettingsError`` naming the variable and what it should hold,
so ``python -m bot`` can print it and stop.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

__all__ = ["ENV_NAMES", "Settings", "SettingsError"]

ENV_NAMES: dict[str, str] = {
    "token": "DISCORD_TOKEN",
    "category": "DISCOBASE_CATEGORY",
    "log_level": "LOG_LEVEL",
    "dev_guild_id": "DEV_GUILD_ID",
    "shard_count": "SHARD_COUNT",
    "shard_ids": "SHARD_IDS",
    "cache_mb": "DISCOBASE_CACHE_MB",
}
"""Settings field -> environment variable."""

_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class SettingsError(ValueError):
    """The environment holds a setting the bot cannot use."""


class Settings(BaseModel):
    """Everything the bot process can be told from outside; the defaults suit tests and the local playground."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    token: str | None = Field(default=None, repr=False)
    category: str = Field(default="discobase", min_length=1, max_length=100)
    log_level: str = "INFO"
    dev_guild_id: int | None = Field(default=None, gt=0)
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: tuple[int, ...] | None = None
    cache_mb: int = Field(default=256, ge=1)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in _LEVELS:
            raise ValueError(f"must be one of {', '.join(_LEVELS)}")
        return level

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        """``SHARD_IDS`` is written as ``0,1,2`` in the environment."""
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(part.isdigit() for part in parts):
                raise ValueError("must be shard numbers separated by commas, like 0,1")
            return tuple(int(part) for part in parts)
        return value

    @model_validator(mode="after")
    def _shards_fit(self) -> Self:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("SHARD_IDS needs SHARD_COUNT: say how many shards the whole bot runs")
            wrong = [shard for shard in self.shard_ids if shard >= self.shard_count]
            if wrong or not self.shard_ids:
                raise ValueError(f"SHARD_IDS must be numbers from 0 to {self.shard_count - 1}")
        return self

    @property
    def log_level_number(self) -> int:
        """The level as the ``logging`` module counts it."""
        return logging.getLevelNamesMapping()[self.log_level]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: Path | str | None = ".env") -> Settings:
        """Read the settings: ``env_file`` first, then ``environ`` (``os.environ`` by default) over it."""
        merged: dict[str, str | None] = dict(dotenv_values(env_file)) if env_file and Path(env_file).is_file() else {}
        merged.update(os.environ if environ is None else environ)
        raw = {field: merged[name] for field, name in ENV_NAMES.items() if merged.get(name) not in (None, "")}
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            raise SettingsError(_explain(error)) from None


def _explain(error: ValidationError) -> str:
    """One line per bad setting, named as the environment names it."""
    lines = []
    for problem in error.errors():
        message = problem["msg"].removeprefix("Value error, ")
        field = str(problem["loc"][0]) if problem["loc"] else ""
        if field not in ENV_NAMES:  # a rule across settings: its message names them
            lines.append(message)
            continue
        shown = f" (got {problem['input']!r})" if field != "token" else ""
        lines.append(f"{ENV_NAMES[field]}: {message}{shown}")
    return "\n".join(lines)
