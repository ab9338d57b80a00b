"""The entry page shows its status history whoever made each change, the system included (the demo's
entries were published by the loader, with no actor, and every entry page was a 500)."""

from __future__ import annotations

import pytest
from django.test import Client

from shuzheng.core.actors import SYSTEM
from shuzheng.datahub.services import catalog as catalog_services
from shuzheng.datahub.tests.conftest import Hub, make_entry

pytestmark = pytest.mark.django_db


def test_a_transition_made_by_the_system_shows_as_system(hub: Hub) -> None:
    entry = make_entry(hub, publish=False, mount=False)
    catalog_services.entry_transition(actor=SYSTEM, entry=entry, action="submit")
    catalog_services.entry_transition(actor=hub.reviewer, entry=entry, action="approve")
    client = Client()
    client.force_login(hub.steward)
    response = client.get(f"/workbench/datahub/catalog/{entry.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "（系统）" in html
    assert f"（{hub.reviewer.full_name}）" in html
