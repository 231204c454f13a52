"""Encrypted model fields for free clinical text.

Built on django-fernet-encrypted-fields, with two deliberate changes:
- keys come straight from FIELD_ENCRYPTION_KEYS (Fernet keys from the environment), not
  derived from SECRET_KEY, so rotating the web secret never touches clinical data;
- a value no key can decrypt raises instead of being handed back as ciphertext, so a
  missing key is loud and a rotation can never double-encrypt.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder

if TYPE_CHECKING:
    # The package ships no type information; to mypy (django-stubs) its field is the TextField
    # it extends, so model attributes read and write as text.
    from django.db.models import TextField as PackageEncryptedTextField
else:
    from encrypted_fields.fields import EncryptedTextField as PackageEncryptedTextField


@functools.lru_cache(maxsize=8)
def _cipher_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def current_cipher() -> MultiFernet:
    """The cipher for the configured keys, built once per key set (not once per value: an API
    list decrypted hundreds of values, each paying for key parsing). Keyed by the keys
    themselves, so a rotation or a test's override_settings gets its own cipher."""
    return _cipher_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


class EncryptedTextField(PackageEncryptedTextField):
    @property
    def keys(self) -> list[bytes]:
        return [key.encode() for key in settings.FIELD_ENCRYPTION_KEYS]

    @property
    def f(self) -> MultiFernet:
        # Cached per key set in current_cipher (rotation and tests change the keys).
        return current_cipher()

    def get_prep_value(self, value: Any) -> Any:
        # Unlike the package, encrypt the empty string too, so NOT NULL columns work and
        # an empty note is indistinguishable from a full one in the table.
        if value is None:
            return None
        return self.f.encrypt(str(value).encode()).decode()

    def to_python(self, value: Any) -> Any:
        if value is None or not isinstance(value, str) or hasattr(self, "_already_decrypted"):
            return value
        if not value.startswith("gAAAAA"):
            return value  # not a Fernet token: an unsaved in-memory value
        try:
            return self.f.decrypt(value.encode()).decode()
        except InvalidToken as error:
            raise ImproperlyConfigured(
                f"{self.model.__name__}.{self.name}: no FIELD_ENCRYPTION_KEYS entry decrypts this value"
            ) from error


class EncryptedJSONField(EncryptedTextField):
    """A JSON document encrypted as one token (types and keys stay hidden and intact)."""

    if TYPE_CHECKING:
        # Any JSON value goes in and comes back out (django-stubs reads these two names).
        _pyi_private_set_type: Any
        _pyi_private_get_type: Any

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return self.f.encrypt(json.dumps(value, cls=DjangoJSONEncoder).encode()).decode()

    def from_db_value(self, value, expression, connection):
        return self.to_python(value)

    def to_python(self, value: Any) -> Any:
        if value is None or not isinstance(value, str):
            return value
        decrypted = super().to_python(value)
        if isinstance(decrypted, str):
            try:
                return json.loads(decrypted)
            except ValueError:
                return decrypted
        return decrypted

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), cls=DjangoJSONEncoder)
