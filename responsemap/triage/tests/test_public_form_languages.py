"""The public web form in each language of the interface: translated text, the page's
language and direction, and language links named in their own language."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from responsemap.projects.models import Project
from responsemap.testing import make_project
from responsemap.triage.models import Feedback
from responsemap.triage.public_guard import issue_form_stamp

pytestmark = pytest.mark.django_db

# What a person sees, written out rather than looked up: a missing or stale catalogue
# would otherwise pass by comparing English with English.
PAGES = {
    "fr": ("ltr", ["Envoyez-nous un message", "Votre message", "Envoyer le message"]),
    "es": ("ltr", ["Envíenos un mensaje", "Su mensaje", "Enviar mensaje"]),
    "ar": ("rtl", ["أرسل إلينا رسالة", "رسالتك", "إرسال الرسالة"]),
    "ht": ("ltr", ["Voye yon mesaj ban nou", "Mesaj ou", "Voye mesaj la"]),
}
# Django's own names (name_local), and ours for Haitian Creole (settings.py).
LINKS = {
    "fr": "français",
    "es": "español",
    "ar": "العربيّة",
    "ht": "Kreyòl ayisyen",
    "en": "English",
}


@pytest.fixture
def multilingual(db: Any) -> Project:
    project = make_project("babel")
    project.languages = ["fr", "ht", "es", "ar", "en"]
    project.save(update_fields=["languages"])
    return project


def form_url(project: Project, lang: str) -> str:
    return f"{reverse('public:form', kwargs={'slug': project.slug})}?lang={lang}"


@pytest.mark.parametrize("language", sorted(PAGES))
def test_form_is_translated(multilingual: Project, language: str) -> None:
    direction, texts = PAGES[language]
    response = Client().get(form_url(multilingual, language))
    page = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert f'<html lang="{language}" dir="{direction}">' in page
    for text in texts:
        assert text in page
    for english in ("Send us a message", "Your message", "Send message", "Skip to content"):
        assert english not in page


@pytest.mark.parametrize("language", sorted(PAGES))
def test_language_links_are_named_in_their_own_language(
    multilingual: Project, language: str
) -> None:
    page = Client().get(form_url(multilingual, language)).content.decode()
    links = re.findall(
        r'<a href="\?[^"]*"\s+lang="([^"]+)"\s+hreflang="\1"\s*([^>]*)>([^<]+)</a>', page
    )
    assert {code: name for code, _current, name in links} == LINKS
    assert [code for code, current, _name in links if 'aria-current="true"' in current] == [
        language
    ]


def test_english_stays_english(multilingual: Project) -> None:
    page = Client().get(form_url(multilingual, "en")).content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert "Send us a message" in page


def test_confirmation_in_haitian_creole(multilingual: Project) -> None:
    client = Client()
    response = client.post(
        form_url(multilingual, "ht"),
        {
            "stamp": issue_form_stamp(multilingual.pk, timezone.now() - timedelta(seconds=30)),
            "website": "",
            "language": "ht",
            "content": "Dlo a pa bon depi lapli a",
            "area": "",
            "phone": "",
        },
    )
    assert response.status_code == 302
    assert Feedback.objects.get().language == "ht"
    thanks = client.get(response["Location"])
    page = thanks.content.decode()
    assert thanks["Content-Language"] == "ht"
    assert '<html lang="ht" dir="ltr">' in page
    assert "Mèsi: mesaj ou a rive" in page
    assert "Kenbe kòd sa a" in page
    assert Feedback.objects.get().reference in page


def test_arabic_error_message_is_translated(multilingual: Project) -> None:
    response = Client().post(
        form_url(multilingual, "ar"),
        {
            "stamp": issue_form_stamp(multilingual.pk, timezone.now() - timedelta(hours=3)),
            "website": "",
            "language": "ar",
            "content": "الماء غير صالح للشرب",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert '<html lang="ar" dir="rtl">' in page
    assert "ظلّ هذا النموذج مفتوحًا مدة طويلة" in page
    assert not Feedback.objects.exists()
