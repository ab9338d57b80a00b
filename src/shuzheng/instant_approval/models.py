"""Models of the instant_approval context."""
