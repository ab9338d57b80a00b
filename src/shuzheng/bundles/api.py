"""/api/v1/bundles/...: 一件事主题服务."""

from ninja import Router

router = Router(tags=["一件事主题服务"])
