"""Settings from the environment and `.env`: the environment wins, and bad values are named."""

from __future__ import annotations

import pytest

from bot.settings import Settings, SettingsError


def test_defaults_need_nothing(tmp_path):
    """With nothing set, every setting has its default."""
    settings = Settings.from_env({}, tmp_path / ".env")
    assert settings.token is None
    assert settings.category == "discobase"
    assert settings.log_level == "INFO"
    assert settings.dev_guild_id is None
    assert settings.shard_count is None
    assert settings.cache_mb == 256


def test_dotenv_is_read_and_the_environment_wins(tmp_path):
    """Values come from `.env`, but a real environment variable of the same name wins."""
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=from-file\nDISCOBASE_CATEGORY=filecat\nLOG_LEVEL=debug\n")
    settings = Settings.from_env({"DISCOBASE_CATEGORY": "envcat"}, env_file)
    assert settings.token == "from-file"
    assert settings.category == "envcat"
    assert settings.log_level == "DEBUG"


def test_numbers_and_shards_are_parsed(tmp_path):
    """Ids, counts and the shard list are read as numbers."""
    environ = {
        "DEV_GUILD_ID": "123456789012345678",
        "SHARD_COUNT": "4",
        "SHARD_IDS": "0, 2",
        "DISCOBASE_CACHE_MB": "64",
    }
    settings = Settings.from_env(environ, tmp_path / ".env")
    assert settings.dev_guild_id == 123456789012345678
    assert settings.shard_count == 4
    assert settings.shard_ids == (0, 2)
    assert settings.cache_mb == 64


def test_empty_values_count_as_unset(tmp_path):
    """`SHARD_COUNT=` (as in .env.example) means no sharding, not an error."""
    assert Settings.from_env({"SHARD_COUNT": "", "DEV_GUILD_ID": ""}, tmp_path / ".env").shard_count is None


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"SHARD_COUNT": "2", "SHARD_IDS": "zero,one"}, "SHARD_IDS: must be shard numbers"),
        ({"SHARD_IDS": "0"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,2"}, "SHARD_IDS must be numbers from 0 to 1"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT:"),
        ({"DEV_GUILD_ID": "my-server"}, "DEV_GUILD_ID:"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL: must be one of CRITICAL, ERROR, WARNING, INFO, DEBUG"),
        ({"DISCOBASE_CACHE_MB": "lots"}, "DISCOBASE_CACHE_MB:"),
    ],
)
def test_bad_values_are_named(tmp_path, environ, named):
    """A setting the bot cannot use raises one error that names the variable."""
    with pytest.raises(SettingsError) as error:
        Settings.from_env(environ, tmp_path / ".env")
    assert named in str(error.value)


def test_the_token_is_never_shown(tmp_path):
    """An error report or a repr never shows the token."""
    settings = Settings.from_env({"DISCORD_TOKEN": "secret-token"}, tmp_path / ".env")
    assert "secret-token" not in repr(settings)
