"""Layer 5, runs: validated parameterised executions (Papermill), batches, cache."""
