"""Infrastructure every feature uses.

Engine, writer, action registry, errors, validation, settings, limits, cache.
"""
