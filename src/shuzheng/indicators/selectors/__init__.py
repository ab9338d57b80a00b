"""Reads of the indicators context.

``compute(number, as_of)`` computes one of the 22 indicators from the other contexts' selectors and the
registries; ``dashboard()`` all of them with their status and snapshot series. The figures are
city-wide (the plan's indicators are the city's); the breakdown rows and drill-down records a viewer
sees are those in the data scope of their ``indicators.view_indicator`` role (``scoped``).

Modules: ``results`` (what a computation yields), ``service_items`` (1, 2, 3, 6, 20), ``organisation``
(5, 11, 14), ``governance`` (4, 7, 13, 16, 18, 19), ``registries`` (8–10, 12, 15, 17, 21, 22),
``progress`` (status against the target, snapshots), ``scorecards``, ``lists`` (registry pages).
"""
