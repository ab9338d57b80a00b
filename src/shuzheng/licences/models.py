"""Models of the licences context."""
