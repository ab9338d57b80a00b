"""Every write to the organisation, by topic: `divisions`, `departments`, `venues` (halls, windows,
kiosks) and `grids` (grids and grid workers); `common` holds what they share. Each service validates
(Chinese messages naming the field, nothing written on failure), computes tree paths, and writes its audit
event in the same transaction. Update services take only the fields to change; leaving a keyword at
`UNSET` keeps the stored value."""
