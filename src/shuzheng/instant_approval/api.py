"""/api/v1/instant-approval/...: 秒批."""

from ninja import Router

router = Router(tags=["秒批"])
