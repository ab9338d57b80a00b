"""Models of the indicators context."""
