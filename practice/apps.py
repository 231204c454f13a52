from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        from django.db import models
        from rest_framework import serializers

        from practice.bounds import BoundedDateField, BoundedDateTimeField, LongTextField
        from practice.fields import EncryptedJSONField

        mapping = serializers.ModelSerializer.serializer_field_mapping
        # Encrypted JSON is stored as text, but it is JSON to every API consumer.
        mapping[EncryptedJSONField] = serializers.JSONField
        # Every model-derived date and free-text input is bounded (practice/bounds.py).
        mapping[models.DateField] = BoundedDateField
        mapping[models.DateTimeField] = BoundedDateTimeField
        mapping[models.TextField] = LongTextField
