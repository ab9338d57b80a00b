"""Models of the bundles context."""
