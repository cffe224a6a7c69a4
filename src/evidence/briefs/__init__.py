"""Layer 6, briefs: rendering executed notebooks into briefs (Quarto, or the built-in offline renderer)."""
