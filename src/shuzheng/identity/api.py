from ninja import Router

router = Router(tags=["身份与审计"])
