from __future__ import annotations

import pytest

from shuzheng.licences.tasks import expire_seals_and_licences
from shuzheng.licences.tests.conftest import World

pytestmark = pytest.mark.django_db


def test_the_daily_sweep_runs_and_finds_nothing_fresh(world: World) -> None:
    world.seal()
    assert expire_seals_and_licences() == {"seals": 0, "licences": 0}
