"""Writes of the indicators context: snapshots, the registries, the IT project register."""
