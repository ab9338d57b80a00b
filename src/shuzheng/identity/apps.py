from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "shuzheng.identity"
    label = "identity"
    verbose_name = "身份与审计"

    def ready(self) -> None:
        from shuzheng.core.audit import register_writer
        from shuzheng.identity.audit import write_event

        register_writer(write_event)
        from shuzheng.identity import authz_signals

        authz_signals.connect()
        # OIDC signing key: from SHUZHENG_OIDC_RSA_PRIVATE_KEY, else the demo key under DATA_DIR (oidc.py).
        from shuzheng.identity.oidc import ensure_signing_key

        ensure_signing_key()
