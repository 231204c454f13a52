"""The page shell every page shares (templates/base.html): logo, favicon, stylesheet, footer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import web_as

CLINICIAN_FOOTER = "AI suggestions are for clinicians"

pytestmark = pytest.mark.django_db


def test_staff_pages_carry_the_logo_favicon_and_the_clinician_ai_footer(therapist):
    html = web_as(therapist).get(reverse("dashboard")).content.decode()
    assert 'class="brand-mark"' in html and "img/favicon.svg" in html and "css/alliance.css" in html
    assert CLINICIAN_FOOTER in html


def test_client_pages_have_the_favicon_but_not_the_clinician_ai_footer(client_user):
    html = web_as(client_user).get(reverse("portal-home")).content.decode()
    assert "img/favicon.svg" in html and "apple-touch-icon" in html
    assert CLINICIAN_FOOTER not in html
    assert "Need help now?" in html
