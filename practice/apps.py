from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        from rest_framework import serializers

        from practice.fields import EncryptedJSONField

        # Encrypted JSON is stored as text, but it is JSON to every API consumer.
        serializers.ModelSerializer.serializer_field_mapping[EncryptedJSONField] = serializers.JSONField
