"""/api/v1/indicators/...: 规划指标."""

from ninja import Router

router = Router(tags=["规划指标"])
