"""The sign-in pages (django-allauth's views) in the product's layout, with no dead link,
and a password reset that works with no mail server (the outbox)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.testing import PASSWORD

NEW_PASSWORD = "a-new-long-passphrase-42"  # noqa: S105 (test data)
HREF = re.compile(r'<a [^>]*href="([^"#]+)"')
ANONYMOUS_PAGES = ["account_login", "account_reset_password", "account_reset_password_done"]
SIGNED_IN_PAGES = ["account_logout", "account_change_password"]


@pytest.fixture
def outbox(settings: Any, tmp_path: Path) -> Path:
    """Mail as the embedded default sends it: files in a directory (settings.py)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "outbox"
    return tmp_path / "outbox"


@pytest.fixture
def member(personas: dict[str, User]) -> User:
    user = personas["officer"]
    user.email = "officer@example.org"
    user.save(update_fields=["email"])
    return user


def get_page(client: Client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode()


def assert_product_layout(html: str, language: str) -> None:
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert '<header class="topbar">' in html
    assert "responsemap/app.css" in html
    assert '<main id="main" class="narrow">' in html


def assert_links_lead_somewhere(client: Client, html: str, language: str) -> None:
    for href in HREF.findall(html):
        if href.startswith("/"):
            response = client.get(href, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code in {200, 302}, href
    assert reverse("account_signup") not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_anonymous_pages_use_the_product_layout_and_every_link_works(language: str) -> None:
    client = Client()
    for name in ANONYMOUS_PAGES:
        html = get_page(client, reverse(name), language)
        assert_product_layout(html, language)
        assert_links_lead_somewhere(client, html, language)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ar", "fr"])
def test_signed_in_pages_use_the_product_layout_and_every_link_works(
    client_as: Any, language: str
) -> None:
    client = client_as("officer")
    for name in SIGNED_IN_PAGES:
        html = get_page(client, reverse(name), language)
        assert_product_layout(html, language)
        assert_links_lead_somewhere(client, html, language)


@pytest.mark.django_db
def test_sign_in_page_is_translated_and_has_no_sign_up_link() -> None:
    html = get_page(Client(), reverse("account_login"), "ar")
    assert "تسجيل الدخول" in html  # "Sign In"
    assert "signup" not in html
    assert reverse("account_reset_password") in html


@pytest.mark.django_db
def test_password_reset_through_the_outbox_end_to_end(member: User, outbox: Path) -> None:
    client = Client()
    response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response.status_code == 302
    done = client.get(response["Location"])
    assert "outbox" in done.content.decode()

    [written] = list(outbox.iterdir())
    message = written.read_text()
    assert f"To: {member.email}" in message
    [link] = re.findall(r"http://testserver(/accounts/password/reset/key/\S+/)", message)

    form = client.get(link, follow=True)
    assert form.status_code == 200
    assert_product_layout(form.content.decode(), "en")
    changed = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )
    assert changed.status_code == 200
    assert_product_layout(changed.content.decode(), "en")
    assert_links_lead_somewhere(client, changed.content.decode(), "en")

    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert not member.check_password(PASSWORD)
    signed_in = Client().post(
        reverse("account_login"), {"login": member.username, "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
    assert reverse("account_login") not in signed_in["Location"]


@pytest.mark.django_db
def test_reset_for_an_unknown_address_reads_the_same_and_sends_nothing(
    member: User, outbox: Path
) -> None:
    def done_page(email: str) -> str:
        client = Client()
        response = client.post(reverse("account_reset_password"), {"email": email}, follow=True)
        assert response.status_code == 200
        return re.sub(r'value="[^"]+"', "", response.content.decode())  # CSRF tokens differ

    unknown = done_page("nobody@example.org")
    assert not outbox.exists() or not list(outbox.iterdir())
    assert unknown == done_page(member.email)
    assert len(list(outbox.iterdir())) == 1


@pytest.mark.django_db
def test_with_a_mail_server_the_page_does_not_speak_of_an_outbox(member: User) -> None:
    client = Client()
    response = client.post(reverse("account_reset_password"), {"email": member.email}, follow=True)
    assert "outbox" not in response.content.decode()
    assert len(mail.outbox) == 1  # the test run's in-memory backend stands for SMTP
