"""Encrypted model fields.

On an instance, an encrypted attribute is a ``Sealed`` object: it prints as a mask in
``str()``, templates and the admin, so plaintext can't reach a page by accident. A new
plaintext is sealed when the row is saved, bound to (project, model, field, row) so the
ciphertext opens only in its own place. Opening is done by ``protection.present()`` for
a person (audited) or ``protection.secrets.open_for_system()`` for a named purpose.

Models with encrypted fields need a primary key known before insert (a UUID) and a
``project_id`` attribute.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.safestring import SafeString

from responsemap.protection.keyring import seal

if TYPE_CHECKING:
    _Field = models.Field[Any, Any]
else:
    _Field = models.Field  # not subscriptable at run time

MASK = "••••••"


class Sealed:
    """An encrypted value, or a new plaintext waiting to be sealed at save time."""

    __slots__ = ("_plain", "_token")

    def __init__(self, token: bytes | None = None, plain: str | None = None) -> None:
        self._token = token
        self._plain = plain

    def __str__(self) -> str:
        return MASK

    def __html__(self) -> SafeString:
        return SafeString(MASK)

    def __repr__(self) -> str:
        return "<Sealed>"

    def __reduce__(self) -> Any:
        raise TypeError("sealed values are not pickled")

    @property
    def is_pending(self) -> bool:
        return self._plain is not None


def binding_for(instance: models.Model, field_name: str) -> bytes:
    if instance.pk is None:
        raise ValueError(f"{instance._meta.label} needs its primary key before sealing")
    project_id = instance.project_id  # type: ignore[attr-defined]
    return f"{project_id}|{instance._meta.label_lower}|{field_name}|{instance.pk}".encode()


class _SealedDescriptor:
    def __init__(self, field: EncryptedTextField) -> None:
        self.field = field

    def __get__(self, instance: models.Model | None, owner: type) -> Any:
        if instance is None:
            return self
        return instance.__dict__.get(self.field.attname)

    def __set__(self, instance: models.Model, value: Any) -> None:
        if value is None or value == "" or isinstance(value, Sealed):
            sealed = value or None
        elif isinstance(value, str):
            sealed = Sealed(plain=value)
        elif isinstance(value, bytes | memoryview):
            sealed = Sealed(token=bytes(value))
        else:
            raise TypeError(f"{self.field.name} takes text, not {type(value).__name__}")
        instance.__dict__[self.field.attname] = sealed


class EncryptedTextField(_Field):
    """Text encrypted with AES-256-GCM under the row's project key.

    Stored as a binary column. It derives from ``Field``, not ``BinaryField``, on
    purpose: ``BinaryField.get_placeholder`` makes Django's PostgreSQL backend give up
    its single-statement bulk insert, which halved bulk write speed (benchmarks/).
    """

    description = "Encrypted text"
    empty_values = [None, b""]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("editable") is False:
            del kwargs["editable"]
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "BinaryField"

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False
    ) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        setattr(cls, self.attname, _SealedDescriptor(self))

    def pre_save(self, model_instance: models.Model, add: bool) -> bytes | None:
        sealed: Sealed | None = getattr(model_instance, self.attname)
        if sealed is None:
            return None
        if sealed._plain is not None:
            sealed._token = seal(
                model_instance.project_id,  # type: ignore[attr-defined]
                binding_for(model_instance, self.name),
                sealed._plain,
            )
            sealed._plain = None  # the plaintext leaves memory with the request
        return sealed._token

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if isinstance(value, Sealed):
            value = value._token
        return None if value is None else connection.Database.Binary(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> bytes | None:
        return None if value is None else bytes(value)

    def value_to_string(self, obj: models.Model) -> str:
        # dumpdata / serialisers get the ciphertext, never the plaintext.
        sealed = self.value_from_object(obj)
        token = sealed._token if isinstance(sealed, Sealed) else sealed
        return "" if token is None else base64.b64encode(token).decode("ascii")
