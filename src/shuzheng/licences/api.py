"""/api/v1/licences/...: 电子证照与电子印章."""

from ninja import Router

router = Router(tags=["电子证照与电子印章"])
