from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "shuzheng.identity"
    label = "identity"
    verbose_name = "身份与审计"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from shuzheng.core.audit import register_writer
        from shuzheng.identity.audit import ensure_chain_head_after_migrate, write_event

        register_writer(write_event)
        from shuzheng.identity import authz_signals

        authz_signals.connect()
        # The audit chain head row must exist again after `migrate` or a test-database `flush`.
        post_migrate.connect(ensure_chain_head_after_migrate, sender=self, dispatch_uid="identity-audit-head")

        # OIDC signing key: from SHUZHENG_OIDC_RSA_PRIVATE_KEY, else the demo key under DATA_DIR (oidc.py).
        from shuzheng.identity.oidc import ensure_signing_key

        ensure_signing_key()
