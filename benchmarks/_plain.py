"""A plain-text twin of ``Feedback``, made at run time, for comparison.

Same columns, indexes and unique constraints as ``triage.Feedback`` (copied from its
model at run time, so it follows the model), except that ``content`` (and any other
encrypted field) is a ``TextField``. The model lives in the ``bench`` app label, which is not
installed: no migration exists or is expected for it, and the application never imports
this module, so ``makemigrations --check`` can't see it. Its table is created with the
schema editor in the benchmark's throwaway database. Import after ``django.setup()``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connection, models

TABLE = "bench_plainfeedback"


def _copy_field(field: models.Field[Any, Any]) -> models.Field[Any, Any]:
    _name, _path, args, kwargs = field.deconstruct()
    if field.is_relation:
        kwargs["related_name"] = "+"  # no reverse accessor clashing with Feedback's
    return type(field)(*args, **kwargs)


@cache
def plain_feedback_model() -> type[models.Model]:
    from responsemap.protection.fields import EncryptedTextField
    from responsemap.triage.models import Feedback

    source = Feedback._meta
    attrs: dict[str, Any] = {"__module__": __name__}
    for field in source.local_fields:
        if isinstance(field, EncryptedTextField):  # content, and any sealed field to come
            attrs[field.name] = models.TextField(null=True, blank=True)
        else:
            attrs[field.name] = _copy_field(field)
    constraints = []
    for constraint in source.constraints:
        copy = constraint.clone()
        copy.name = f"bench_{constraint.name}"
        constraints.append(copy)
    indexes = [
        models.Index(fields=list(index.fields), name=f"bench_pf_{i}_idx")
        for i, index in enumerate(source.indexes)
    ]
    meta = type(
        "Meta",
        (),
        {
            "app_label": "bench",
            "db_table": TABLE,
            # Managed, or the schema editor skips the secondary indexes (db_index, FK
            # and Meta.indexes) and the plain side would have less to maintain. It is
            # still outside migrations: the "bench" app is not installed.
            "managed": True,
            "ordering": list(source.ordering or ()),
            "constraints": constraints,
            "indexes": indexes,
        },
    )
    attrs["Meta"] = meta
    return type("PlainFeedback", (models.Model,), attrs)


def create_plain_table() -> type[models.Model]:
    model = plain_feedback_model()
    with connection.schema_editor() as editor:
        if TABLE in connection.introspection.table_names():
            editor.delete_model(model)
        editor.create_model(model)
    return model
