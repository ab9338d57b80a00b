"""Writes of the licences context: seals, licences, their use and sharing, decision documents."""
