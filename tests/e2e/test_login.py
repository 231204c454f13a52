from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_page_is_accessible_and_signs_a_therapist_in(desktop, live_server, therapist):
    desktop.goto(f"{live_server.url}/accounts/login/")
    assert axe_violations(desktop) == []
    login(desktop, live_server, therapist.email, PASSWORD)
    desktop.wait_for_url(f"{live_server.url}/caseload/")
    assert "Caseload" in desktop.content()


def test_wrong_password_shows_an_error(desktop, live_server, therapist):
    login(desktop, live_server, therapist.email, "not the password")
    assert "correct email" in desktop.content() or "Please enter a correct" in desktop.content()
