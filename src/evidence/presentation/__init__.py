"""Layer 3, presentation: disclosure control, tables, charts, maps. Imports core, sources, analyses."""
