"""Atoll's domain layer: tables, engine, validated actions and the ``python -m db`` CLI.

Nothing here imports reflex, so every rule can be exercised from a plain test or script.
"""
