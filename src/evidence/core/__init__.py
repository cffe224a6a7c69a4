"""Layer 0: errors, atomic file output, configuration, text helpers. Imports nothing else from evidence."""
