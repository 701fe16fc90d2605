"""almamatch.cli."""
