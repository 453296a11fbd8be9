"""Infrastructure every feature uses: engine, writer, action registry, errors, validation, settings, limits, cache."""
