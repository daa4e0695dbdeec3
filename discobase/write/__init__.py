"""How a change reaches Discord: drafts and the one commit, the gate (lifecycle and lease), retries, and the writers.

Every data change is a draft committed through ``commit`` (invariant I5 in
store.py); the features here (record writes, group commit, bulk changes,
imports, schema changes, compaction, gateway events) only build drafts.
"""
