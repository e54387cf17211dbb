"""Sign-ins for the web app's tests: the console's and the wall's."""

from __future__ import annotations

import pytest

from store.staff import ADMIN, ORGANISER
from tests.gateway.console.conftest import SignIn, make_staff
from workers.runtime import Runtime


@pytest.fixture
def admin(rt: Runtime) -> SignIn:
    """An admin's sign-in."""
    return make_staff(rt, "admin@example.org", ADMIN)


@pytest.fixture
def organiser(rt: Runtime) -> SignIn:
    """An organiser's sign-in."""
    return make_staff(rt, "organiser@example.org", ORGANISER)
