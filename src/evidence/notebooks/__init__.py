"""Layer 4, notebooks: locating the packaged notebooks and reading their declared parameters."""
