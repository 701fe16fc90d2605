"""almamatch.specs."""
