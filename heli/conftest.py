import pytest

from heli.testing import World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world()
