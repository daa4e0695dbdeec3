"""The bot's slash commands, one module (or package) per command group, and the rules they share.

``bot.DiscobaseBot`` loads every module here that has a ``setup(bot)`` as an
extension: ``table``, ``record`` and ``audit`` (which also holds how a command
reports a change, ``audit.report``). ``access`` holds who may read and write
which table; ``tables`` what ``/table`` and ``/record`` say about the tables
(list, description); ``utils`` the UI helpers every group uses. Cogs reach the storage
engine through the bot (``utils.context``), never the reverse.
"""
