"""A record's birth made cheaper (brief F): the same signatures, bands and word index as
computing each from the text, whether redaction changed the text or not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from responsemap.projects.models import Project
from responsemap.protection.tokens import tokens_for
from responsemap.triage.actions import NewFeedback, do_create_feedback_batch
from responsemap.triage.duplicates.models import SimilarityBand, TextSignature
from responsemap.triage.duplicates.similarity import band_keys, signature, signature_of_tokens
from responsemap.triage.models import FeedbackToken

pytestmark = pytest.mark.django_db

PLAIN = "The water point in camp Zephyrine has been broken since Monday"
WITH_PHONE = "Call me on +509 3700 0101 about the water point in camp Zephyrine"


def test_a_signature_from_known_tokens_is_the_texts(project: Project) -> None:
    project_id = project.pk
    for text in (PLAIN, WITH_PHONE, "", "[NAME] a dit"):
        assert signature_of_tokens(tokens_for(project_id, text)) == signature(project_id, text)


@pytest.mark.parametrize("redact_now", [True, False])
def test_records_born_keep_the_signature_of_their_text_redacted_or_not(
    project: Project, redact_now: bool
) -> None:
    now = timezone.now()
    texts = [PLAIN, WITH_PHONE, PLAIN]  # a text twice in one batch, one redaction changes
    made = do_create_feedback_batch(
        project,
        [
            NewFeedback(source="sms", content=t, received_at=now - timedelta(minutes=n))
            for n, t in enumerate(texts)
        ],
        None,
        redact_now=redact_now,
    )
    for record, text in zip(made, texts, strict=True):
        expected = signature(project.pk, text)
        kept = TextSignature.objects.get(feedback_id=record.pk)
        assert bytes(kept.minhash) == expected
        assert set(
            SimilarityBand.objects.filter(feedback_id=record.pk).values_list("key", flat=True)
        ) == set(band_keys(expected))
    if redact_now:
        # The word index is the redacted copy's: the phone number is not in it.
        for record, text in zip(made, texts, strict=True):
            indexed = set(
                FeedbackToken.objects.filter(feedback_id=record.pk).values_list("token", flat=True)
            )
            if text == PLAIN:
                assert indexed == set(tokens_for(project.pk, text))
            else:
                assert indexed
                assert not indexed & set(tokens_for(project.pk, "3700 0101"))
