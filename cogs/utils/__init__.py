"""Shared pieces of the cogs: replies and errors, formatting, embeds, views, transformers, autocomplete."""
