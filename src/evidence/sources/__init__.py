"""Layer 1, sources: raw files -> canonical tables (case, indicator, tier, GSI), with provenance and rejects."""
