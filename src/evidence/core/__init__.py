"""Layer 0: errors, atomic file output, configuration. Imports nothing else from evidence."""
