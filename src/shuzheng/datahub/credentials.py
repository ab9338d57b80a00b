"""Data-service credentials read through the shared cache: the credential with its grant, the grant's entry
and data items and the issuing user, one cache read per call instead of two queries (issue 14).

Only when `SHUZHENG_AUTHZ_CACHE_SECONDS` is above zero (a cache every app process shares, Redis). The
secret is still checked on every call, against the cached keyed hash. Revocation takes effect at once:
every save or delete of a credential, grant, entry or data item replaces the entries of the credentials
it concerns by a tombstone, now and again at commit; while a tombstone stands, a call reads the database
and may not cache what it read (`cache.add`), so a call that read the row just before a revocation
committed cannot put the unrevoked copy back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.db.models.signals import post_delete, post_save

from shuzheng.datahub.models import ApiCredential, CatalogEntry, DataItem, Grant

#: Longer than any call takes between reading a credential and caching it.
TOMBSTONE_SECONDS: Final = 60
_TOMBSTONE: Final = "revoked-or-changed"


def _seconds() -> int:
    return int(settings.SHUZHENG_AUTHZ_CACHE_SECONDS)


def _key(client_id: str) -> str:
    return f"datahub:credential:{client_id}"


def _load(client_id: str) -> ApiCredential | None:
    credential = (
        ApiCredential.objects.select_related("grant__entry", "created_by").filter(client_id=client_id).first()
    )
    if credential is not None:
        prefetch_related_objects([credential.grant.entry], "items")
    return credential


def credential_by_client_id(client_id: str) -> ApiCredential | None:
    """The credential (grant, entry with its items, issuer loaded), through the shared cache when set."""
    seconds = _seconds()
    if not seconds:
        return _load(client_id)
    key = _key(client_id)
    found = cache.get(key)
    if isinstance(found, ApiCredential):
        return found
    credential = _load(client_id)
    if credential is not None and found is None:  # never over a tombstone
        cache.add(key, credential, seconds)
    return credential


def forget(client_ids: Iterable[str]) -> None:
    """Tombstone the cached credentials, now and once the current transaction commits."""
    keys = [_key(c) for c in client_ids]
    if not keys or not _seconds():
        return
    tombstones = dict.fromkeys(keys, _TOMBSTONE)
    cache.set_many(tombstones, TOMBSTONE_SECONDS)
    transaction.on_commit(lambda: cache.set_many(tombstones, TOMBSTONE_SECONDS))


def _client_ids(**lookup: Any) -> list[str]:
    return list(ApiCredential.objects.filter(**lookup).values_list("client_id", flat=True))


def _credential_changed(sender: Any, instance: ApiCredential, **kwargs: Any) -> None:
    forget([instance.client_id])


def _grant_changed(sender: Any, instance: Grant, **kwargs: Any) -> None:
    if _seconds():
        forget(_client_ids(grant_id=instance.pk))


def _entry_changed(sender: Any, instance: CatalogEntry, **kwargs: Any) -> None:
    if _seconds():
        forget(_client_ids(grant__entry_id=instance.pk))


def _item_changed(sender: Any, instance: DataItem, **kwargs: Any) -> None:
    if _seconds():
        forget(_client_ids(grant__entry_id=instance.entry_id))


def connect() -> None:
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(_credential_changed, sender=ApiCredential, dispatch_uid=f"credentials-{name}-cred")
        signal.connect(_grant_changed, sender=Grant, dispatch_uid=f"credentials-{name}-grant")
        signal.connect(_entry_changed, sender=CatalogEntry, dispatch_uid=f"credentials-{name}-entry")
        signal.connect(_item_changed, sender=DataItem, dispatch_uid=f"credentials-{name}-item")
