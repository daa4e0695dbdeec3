"""A guild's tables in memory: the catalog map, each stored table (record index and message ledger), loading, budget.

Nothing here sends a request that changes Discord: loading reads, and a table's
state changes only by loading and by committing a draft (see ``stored_table``).
"""
