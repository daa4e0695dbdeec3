"""Benchmarks: REST requests per operation, modelled time under Discord's rate limits, and local CPU."""
