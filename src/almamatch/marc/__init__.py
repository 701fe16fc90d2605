"""almamatch.marc."""
