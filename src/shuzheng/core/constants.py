from django.db import models


class Channel(models.TextChoices):
    """Where a request came from; every write records it (plan: 用户交互层)."""

    PORTAL = "portal", "网上办事大厅"
    WINDOW = "window", "窗口"
    KIOSK = "kiosk", "自助机（侨都之窗）"
    BANK_TERMINAL = "bank_terminal", "政银通办终端"
    MOBILE = "mobile", "移动端（粤省事等）"
    HOTLINE = "hotline", "12345热线"
    API = "api", "接口"
    ADMIN = "admin", "管理后台"
    SYSTEM = "system", "系统"
