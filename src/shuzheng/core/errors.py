"""Application errors; each maps to one RFC 9457 problem with a stable code and a Chinese detail."""

from __future__ import annotations

from typing import Any, ClassVar


class ApplicationError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "请求有误"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        code: str | None = None,
    ) -> None:
        self.detail = detail or self.title
        self.errors = errors or []
        if code:
            self.code = code  # type: ignore[misc]
        super().__init__(self.detail)

    def to_problem(self, *, instance: str = "", request_id: str = "") -> dict[str, Any]:
        problem: dict[str, Any] = {
            "type": f"https://shuzheng.example/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        if instance:
            problem["instance"] = instance
        if request_id:
            problem["request_id"] = request_id
        if self.errors:
            problem["errors"] = self.errors
        return problem


class ValidationFailed(ApplicationError):
    status = 422
    code = "validation_failed"
    title = "数据校验未通过"

    @classmethod
    def for_field(cls, field: str, message: str, *, code: str | None = None) -> ValidationFailed:
        return cls(f"{message}", errors=[{"field": field, "message": message}], code=code)


class MalformedRequest(ApplicationError):
    status = 400
    code = "malformed_request"
    title = "请求格式错误"


class AuthenticationRequired(ApplicationError):
    status = 401
    code = "authentication_required"
    title = "请先登录"


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"
    title = "没有权限执行此操作"


class NotFound(ApplicationError):
    status = 404
    code = "not_found"
    title = "对象不存在或不在您的数据范围内"


class Conflict(ApplicationError):
    status = 409
    code = "conflict"
    title = "操作冲突，请刷新后重试"


class PayloadTooLarge(ApplicationError):
    status = 413
    code = "payload_too_large"
    title = "请求内容过大"


class UnsupportedMediaType(ApplicationError):
    status = 415
    code = "unsupported_media_type"
    title = "不支持的内容类型"


class RateLimited(ApplicationError):
    status = 429
    code = "rate_limited"
    title = "请求过于频繁，请稍后再试"
