from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core import serializers
from django.template import Context, Template, TemplateSyntaxError

from responsemap.protection.fields import MASK, Sealed
from responsemap.protection.keyring import crypto_shred_project
from responsemap.protection.present import open_for_system
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db


def test_sealed_value_never_prints_plaintext(make_feedback: Callable[..., Feedback]) -> None:
    record = Feedback.objects.get(pk=make_feedback("Secret words here").pk)
    assert isinstance(record.content, Sealed)
    assert str(record.content) == MASK
    assert "Secret" not in repr(record.content)
    rendered = Template("{{ r.content }}|{{ r.content.is_pending }}").render(Context({"r": record}))
    assert rendered == f"{MASK}|False"
    with pytest.raises(TemplateSyntaxError):  # the private slots can't be reached from a template
        Template("{{ r.content._plain }}")


def test_pending_value_is_masked_before_save() -> None:
    record = Feedback(content="not yet saved")
    assert str(record.content) == MASK


def test_round_trip_through_the_database(make_feedback: Callable[..., Feedback]) -> None:
    record = Feedback.objects.get(pk=make_feedback("Bonjou, dlo a koupe").pk)
    assert open_for_system(record, "content", purpose="test") == "Bonjou, dlo a koupe"


def test_system_open_names_a_purpose(make_feedback: Callable[..., Feedback]) -> None:
    record = make_feedback()
    with pytest.raises(ValueError, match="purpose"):
        open_for_system(record, "content", purpose="")


def test_ciphertext_copied_to_another_row_does_not_open(
    make_feedback: Callable[..., Feedback],
) -> None:
    first, second = make_feedback("first message"), make_feedback("second message")
    stolen = Feedback.objects.filter(pk=first.pk).values_list("content", flat=True).get()
    Feedback.objects.filter(pk=second.pk).update(content=stolen)
    moved = Feedback.objects.get(pk=second.pk)
    with pytest.raises(Exception, match="another row"):
        open_for_system(moved, "content", purpose="test")


def test_ciphertext_moved_to_another_project_does_not_open(
    make_feedback: Callable[..., Feedback], other_project: object
) -> None:
    mine = make_feedback("project alpha text")
    theirs = make_feedback("project beta text", project=other_project)
    stolen = Feedback.objects.filter(pk=mine.pk).values_list("content", flat=True).get()
    Feedback.objects.filter(pk=theirs.pk).update(content=stolen)
    with pytest.raises(Exception, match="does not open"):
        open_for_system(Feedback.objects.get(pk=theirs.pk), "content", purpose="test")


def test_shredded_project_values_fail_clearly(make_feedback: Callable[..., Feedback]) -> None:
    record = make_feedback("gone soon")
    crypto_shred_project(record.project_id)
    with pytest.raises(Exception, match="destroyed"):
        open_for_system(Feedback.objects.get(pk=record.pk), "content", purpose="test")


def test_serialisers_emit_ciphertext_only(make_feedback: Callable[..., Feedback]) -> None:
    make_feedback("dump me not")
    dumped = serializers.serialize("json", Feedback.objects.all())
    assert "dump me not" not in dumped
    assert '"content": "' in dumped


def test_sealed_values_are_not_pickled() -> None:
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(Sealed(plain="x"))
