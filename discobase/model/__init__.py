"""What a table is: columns and their values, schemas, the record codec, the catalog entry, the grammars, queries.

Pure data and functions, no I/O: the layers above (``cache``, ``write``) build on it.
"""
