"""Back office for accounts, roles and role assignments.

Writes go through the identity services (policy, scope checks, audit). ID numbers and mobiles are
never shown in clear here and are not editable (registration sets them with their blind index).
The admin login and logout are the platform's own pages (lockout, second factor, audit).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import ApplicationError
from shuzheng.core.masking import mask_id_number, mask_mobile
from shuzheng.identity import selectors, views_login
from shuzheng.identity.forms_admin import PolicyAdminPasswordChangeForm
from shuzheng.identity.models import ApiKey, Role, RoleAssignment, User
from shuzheng.identity.services import accounts as account_services
from shuzheng.identity.services import api_keys as api_key_services
from shuzheng.identity.services import roles as role_services

# The admin's password view builds its form without the request; the acting user travels in this
# context variable (per thread / task, so concurrent requests cannot see each other's).
_admin_actor: ContextVar[Any] = ContextVar("identity_admin_actor", default=None)


class ActorPasswordChangeForm(PolicyAdminPasswordChangeForm):
    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("actor", _admin_actor.get())
        super().__init__(user, *args, **kwargs)


class UserCreationAdminForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("username", "full_name", "kind", "department", "email")


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    actor: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            account_services.user_admin_check(actor=self.actor, user=self.instance, values=data)
        except ApplicationError as exc:
            field = exc.errors[0]["field"] if exc.errors else None
            self.add_error(field if field in self.fields else None, exc.detail)
        return data


class RoleAssignmentInline(admin.TabularInline):
    """Read-only here: assign and revoke through 角色分配 so the scope rules and audit apply."""

    model = RoleAssignment
    fk_name = "user"
    extra = 0
    fields = ("role", "scope", "department", "division", "created_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    change_password_form = ActorPasswordChangeForm
    list_display = ("username", "full_name", "kind", "department", "is_active", "is_staff", "last_login")
    list_filter = ("kind", "is_active", "is_staff", "is_superuser")
    list_select_related = ("department",)
    search_fields = ("username", "full_name", "enterprise_uscc", "enterprise_name")
    ordering = ("username",)
    autocomplete_fields = ()
    raw_id_fields = ("department",)
    readonly_fields = (
        "masked_id_number",
        "masked_mobile",
        "last_login",
        "date_joined",
        "password_changed_at",
    )
    inlines = (RoleAssignmentInline,)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("full_name", "kind", "email", "masked_id_number", "masked_mobile")}),
        ("单位", {"fields": ("department", "enterprise_uscc", "enterprise_name")}),
        ("状态", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("时间", {"fields": ("last_login", "date_joined", "password_changed_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "kind", "department", "email", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        """Department administrators see the accounts of their own data scope only."""
        visible = selectors.user_visible_queryset(actor=request.user)
        return super().get_queryset(request).filter(pk__in=visible.values("pk"))

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.inlines if obj is not None else ()

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # type: ignore[attr-defined]
        return form

    @admin.display(description="居民身份证号码")
    def masked_id_number(self, obj: User) -> str:
        return mask_id_number(obj.id_number) if obj.id_number else "—"

    @admin.display(description="手机号码")
    def masked_mobile(self, obj: User) -> str:
        return mask_mobile(obj.mobile) if obj.mobile else "—"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[User], search_term: str
    ) -> tuple[QuerySet[User], bool]:
        """An 18-character term is also looked up as an ID number through the blind index."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().upper()
        if len(term) == 18:
            results = results | queryset.filter(id_number_index=blind_index(term))
        return results, may_have_duplicates

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        password = None if change else form.cleaned_data.get("password1") or None
        account_services.user_admin_save(
            actor=request.user,
            user=obj,
            created=not change,
            changed=list(form.changed_data),
            password=password,
        )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        token = _admin_actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _admin_actor.reset(token)


class RoleAdminForm(forms.ModelForm):
    class Meta:
        model = Role
        fields = ("code", "name", "description", "permissions")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    form = RoleAdminForm
    list_display = ("code", "name", "description")
    search_fields = ("code", "name")
    filter_horizontal = ("permissions",)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "permissions":
            qs = kwargs.get("queryset", db_field.remote_field.model.objects)
            kwargs["queryset"] = qs.select_related("content_type")
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Role, form: Any, change: bool) -> None:
        before = None
        if change:
            saved = Role.objects.get(pk=obj.pk)
            before = {
                "code": saved.code,
                "name": saved.name,
                "permissions": role_services.role_permission_names(saved),
            }
        form._audit_before = before
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        role_services.role_record_change(
            actor=request.user,
            role=form.instance,
            created=not change,
            before=getattr(form, "_audit_before", None),
        )


class RoleAssignmentAdminForm(forms.ModelForm):
    """Checks the assignment with the same rules as the service, so a refusal is a form error, not a 500."""

    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "scope", "department", "division")

    actor: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user, role, scope = data.get("user"), data.get("role"), data.get("scope")
        if user is None or role is None or not scope:
            return data
        try:
            role_services.role_assign_check(
                actor=self.actor,
                user=user,
                role=role,
                scope=scope,
                department_id=data["department"].pk if data.get("department") else None,
                division_id=data["division"].pk if data.get("division") else None,
            )
        except ApplicationError as exc:
            raise ValidationError(exc.detail) from exc
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    form = RoleAssignmentAdminForm
    list_display = ("user", "role", "scope", "department", "division", "created_at")
    list_filter = ("role", "scope")
    list_select_related = ("user", "role", "department", "division")
    search_fields = ("user__username", "user__full_name", "role__code", "role__name")
    raw_id_fields = ("user", "department", "division")

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoleAssignment]:
        visible = selectors.user_visible_queryset(actor=request.user)
        return super().get_queryset(request).filter(user__in=visible.values("pk"))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # An assignment is granted or revoked, never edited in place (the audit trail stays simple).
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # type: ignore[attr-defined]
        return form

    def save_model(self, request: HttpRequest, obj: RoleAssignment, form: Any, change: bool) -> None:
        assignment = role_services.role_assign(
            actor=request.user,
            user=obj.user,
            role=obj.role,
            scope=obj.scope,
            department_id=obj.department_id,
            division_id=obj.division_id,
        )
        obj.pk = assignment.pk
        obj.department_id, obj.division_id = assignment.department_id, assignment.division_id
        obj.created_at, obj.updated_at = assignment.created_at, assignment.updated_at
        obj._state.adding = False
        obj._state.db = assignment._state.db

    def _refusal(self, request: HttpRequest, assignments: Any) -> str | None:
        """The service's refusal of revoking any of `assignments`, asked before Django deletes anything."""
        for assignment in assignments:
            try:
                role_services.role_revoke_check(actor=request.user, assignment=assignment)
            except ApplicationError as exc:
                return f"{assignment}：{exc.detail}"
        return None

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        assignment = self.get_object(request, unquote(object_id))
        refusal = self._refusal(request, [assignment]) if assignment is not None else None
        if refusal:
            self.message_user(request, refusal, level=messages.ERROR)
            return HttpResponseRedirect(reverse("admin:identity_roleassignment_changelist"))
        return super().delete_view(request, object_id, extra_context)

    @admin.action(description="撤销所选角色分配", permissions=["delete"])
    def delete_selected(self, request: HttpRequest, queryset: QuerySet[RoleAssignment]) -> Any:
        """Django's bulk delete, refused whole (nothing deleted) when the service refuses any of them."""
        refusal = self._refusal(request, queryset.select_related("user", "role"))
        if refusal:
            self.message_user(request, refusal, level=messages.ERROR)
            return None
        return django_delete_selected(self, request, queryset)

    actions = ("delete_selected",)

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        role_services.role_revoke(actor=request.user, assignment=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleAssignment]) -> None:
        for assignment in queryset.select_related("user", "role"):
            role_services.role_revoke(actor=request.user, assignment=assignment)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are signed with `shuzheng issue-api-key` (the clear key is shown once there); here they are
    listed and revoked."""

    list_display = ("name", "prefix", "user", "expires_at", "revoked_at", "last_used_at")
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("user", "name", "prefix", "expires_at", "revoked_at", "last_used_at")
    exclude = ("secret_hash",)
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiKey]:
        visible = selectors.user_visible_queryset(actor=request.user)
        return super().get_queryset(request).filter(user__in=visible.values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A key is issued or revoked, never edited (the revoke action asks with obj=None).
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="撤销所选密钥", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        revoked = 0
        for key in queryset.filter(revoked_at__isnull=True):
            try:
                api_key_services.api_key_revoke(actor=request.user, key=key)
            except ApplicationError as exc:
                self.message_user(request, f"{key}：{exc.detail}", level=messages.ERROR)
            else:
                revoked += 1
        self.message_user(request, f"已撤销 {revoked} 个密钥。")


# Sign in and out of the admin through the platform's pages.
admin.site.login = views_login.admin_login  # type: ignore[method-assign]
admin.site.logout = views_login.admin_logout  # type: ignore[method-assign,assignment]

# Chinese section titles for the third-party apps in the admin index (their models keep their names).
for _label, _title in (
    ("oauth2_provider", "单点登录（OpenID Connect）"),
    ("otp_totp", "动态口令（TOTP）"),
    ("axes", "登录失败与锁定"),
):
    if _label in apps.app_configs:
        apps.get_app_config(_label).verbose_name = _title

# --- audit admin (registered by the audit work) -----------------------------------------------
from shuzheng.identity import audit_admin  # noqa: F401,E402
