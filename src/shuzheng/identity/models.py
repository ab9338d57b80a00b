"""Accounts, roles with data scopes, password history, and the tamper-evident audit log.

Departments and divisions are referenced by string ("orgs.Department") so identity never imports orgs.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, Permission, PermissionsMixin
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models

from shuzheng.core.crypto.fields import EncryptedTextField
from shuzheng.core.models import TimestampedModel
from shuzheng.identity.constants import DataScopeKind, UserKind


class UserManager(DjangoUserManager["User"]):
    def create_user(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("kind", User.Kind.STAFF)
        return super().create_user(username, email, password, **extra)

    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("kind", User.Kind.STAFF)
        return super().create_superuser(username, email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    Kind = UserKind

    username = models.CharField("账号", max_length=64, unique=True)
    kind = models.CharField("账号类型", max_length=20, choices=Kind.choices, default=Kind.STAFF)
    full_name = models.CharField("姓名", max_length=64)
    email = models.EmailField("电子邮箱", blank=True)
    # Personal identifiers are SM4-encrypted; the *_index columns are keyed SM3 digests for lookups.
    id_number = EncryptedTextField("居民身份证号码", blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    mobile = EncryptedTextField("手机号码", blank=True)
    enterprise_uscc = models.CharField("企业统一社会信用代码", max_length=18, blank=True, db_index=True)
    enterprise_name = models.CharField("企业名称", max_length=128, blank=True)
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name="所属部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    is_staff = models.BooleanField("可登录管理后台", default=False)
    is_active = models.BooleanField("启用", default=True)
    date_joined = models.DateTimeField("注册时间", auto_now_add=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    # Bumped whenever the user's roles or permissions may have changed (identity.authz).
    authz_stamp = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        # Without this permission every context shows personal data masked.
        permissions = [("view_clear_personal_data", "查看明文个人信息")]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~models.Q(id_number_index=""),
                name="user_unique_id_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name}（{self.username}）"

    @property
    def is_staff_member(self) -> bool:
        return self.kind == self.Kind.STAFF


class Role(TimestampedModel):
    code = models.CharField("角色编码", max_length=64, unique=True)
    name = models.CharField("角色名称", max_length=64)
    description = models.TextField("说明", blank=True)
    permissions = models.ManyToManyField(Permission, verbose_name="权限", blank=True)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RoleAssignment(TimestampedModel):
    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="assignments")
    role = models.ForeignKey(Role, verbose_name="角色", on_delete=models.PROTECT, related_name="assignments")
    scope = models.CharField(
        "数据范围", max_length=20, choices=DataScopeKind.choices, default=DataScopeKind.DEPARTMENT
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name="部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    division = models.ForeignKey(
        "orgs.Division",
        verbose_name="区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "角色分配"
        verbose_name_plural = "角色分配"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "department", "division"], name="assignment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.get_scope_display()}"


class PasswordHistory(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"


class AuditEvent(models.Model):
    """One audited write. Insert-only; its seq (the database id) is all a writer takes, so writers
    never wait on each other. The sealer later gives it a leaf in the signed Merkle tree (AuditLeaf)."""

    seq = models.BigAutoField("序号", primary_key=True)
    occurred_at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField("操作人标识", max_length=128, blank=True)
    actor_department = models.ForeignKey(
        "orgs.Department",
        verbose_name="操作人部门",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    role = models.CharField("角色", max_length=64, blank=True)
    channel = models.CharField("渠道", max_length=32, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    subject_type = models.CharField("对象类型", max_length=64, blank=True)
    subject_id = models.CharField("对象标识", max_length=64, blank=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    ip = models.GenericIPAddressField("IP地址", null=True, blank=True)
    request_id = models.CharField("请求标识", max_length=64, blank=True)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["-seq"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="audit_subject_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditLeaf(models.Model):
    """Leaf `index` of the Merkle tree: SM3(0x00 || canonical bytes of the event), RFC 6962 style.

    A separate insert-only table so events are never updated; kept when the event is archived, so the
    tree stays whole. No foreign-key constraint: the event may live in an archive file.
    """

    index = models.BigIntegerField("叶子序号", primary_key=True)
    event = models.OneToOneField(
        AuditEvent,
        verbose_name="审计事件",
        on_delete=models.DO_NOTHING,
        related_name="leaf",
        db_constraint=False,
    )
    hash = models.CharField("叶子哈希", max_length=64)

    class Meta:
        verbose_name = "审计叶子"
        verbose_name_plural = "审计叶子"
        ordering = ["index"]

    def __str__(self) -> str:
        return f"叶子 #{self.index}"


class AuditTreeHead(models.Model):
    """A signed tree head: the first `tree_size` leaves have root `root_hash`, signed by the audit key
    (which is not in the database). `frontier` and `max_seq` only speed up the next sealing run."""

    tree_size = models.BigIntegerField("树大小", primary_key=True)
    root_hash = models.CharField("根哈希", max_length=64)
    timestamp_ms = models.BigIntegerField("签名时间（毫秒）", db_index=True)
    key_id = models.CharField("密钥标识", max_length=32)
    signature = models.CharField("SM2签名", max_length=128)
    frontier = models.JSONField("右边界子树哈希", default=list)
    max_seq = models.BigIntegerField("已封存最大事件序号", default=0)

    class Meta:
        verbose_name = "审计树头"
        verbose_name_plural = "审计树头"
        ordering = ["-tree_size"]

    def __str__(self) -> str:
        return f"树头 #{self.tree_size}"


class AuditArchive(models.Model):
    """Events of leaves [first_leaf, tree_size) moved to a signed file; their leaves and heads stay."""

    created_at = models.DateTimeField("归档时间", auto_now_add=True)
    first_leaf = models.BigIntegerField("起始叶子")
    tree_size = models.BigIntegerField("截止树大小", unique=True)
    root_hash = models.CharField("截止根哈希", max_length=64)
    file_name = models.CharField("归档文件", max_length=255)
    file_sm3 = models.CharField("文件SM3", max_length=64)
    signature = models.TextField("SM2签名")
    event_count = models.PositiveIntegerField("事件数")

    class Meta:
        verbose_name = "审计归档"
        verbose_name_plural = "审计归档"
        ordering = ["-tree_size"]

    def __str__(self) -> str:
        return f"叶子 #{self.first_leaf}–#{self.tree_size - 1}"


class ApiKey(TimestampedModel):
    """A personal API key acting as its user (Open311 intake, CKAN publishing). The key is
    `<prefix>.<secret>`; only a keyed SM3 of the secret is stored and the key is shown once."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField("名称", max_length=64)
    prefix = models.CharField("前缀", max_length=16, unique=True)
    secret_hash = models.CharField("密钥摘要", max_length=64)
    expires_at = models.DateTimeField("过期时间", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = "API 密钥"
        verbose_name_plural = "API 密钥"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}）"
