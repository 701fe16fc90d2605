"""almamatch.index."""
