"""Layer 2, analyses: routes, trends, profiles, hidden-population estimation. Imports core and sources only."""
