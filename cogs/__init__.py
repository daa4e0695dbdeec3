"""The bot's slash commands, one module (or package) per command group.

``bot.DiscobaseBot`` loads every module here except ``utils`` as an extension;
each has a ``setup(bot)``. Cogs reach the storage engine through
``interaction.client.engine`` (see ``utils.context``), never the reverse.
"""
