"""Practice settings: country, time zone, locale, note-overdue threshold, and crisis lines that
follow the country's default set (practice/data/crisis_resources.json) unless edited.

The old `crisis_resources` column held rendered links ({label, detail, href}); a practice still
on the original US default now follows its country (US) instead, and edited lists are carried
over as lines.
"""

from django.db import migrations, models

import practice.models


def _line_from_resource(resource: dict) -> dict | None:
    href = str(resource.get("href") or "")
    line = {"name": str(resource.get("label") or "")[:100], "phone": "", "text": "", "url": "", "when": str(resource.get("detail") or "")[:300]}
    if href.startswith("tel:"):
        line["phone"] = href[4:]
    elif href.startswith("sms:"):
        line["text"] = href[4:]
    elif href.startswith("https://"):
        line["url"] = href
    if not line["name"] or not (line["phone"] or line["text"] or line["url"]):
        return None
    return line


def carry_over(apps, schema_editor):
    Practice = apps.get_model("practice", "Practice")
    original = practice.models.default_crisis_resources()
    for row in Practice.objects.all():
        old = row.crisis_resources or []
        if old == original or not old:
            continue
        lines = [line for line in (_line_from_resource(item) for item in old if isinstance(item, dict)) if line]
        row.crisis_lines = lines
        row.save(update_fields=["crisis_lines"])


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0002_notification_outbox"),
    ]

    operations = [
        migrations.AddField(
            model_name="practice",
            name="crisis_lines",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="practice",
            name="country",
            field=models.CharField(default="US", help_text="ISO 3166-1 alpha-2 code, e.g. US, GB.", max_length=2),
        ),
        migrations.AddField(
            model_name="practice",
            name="time_zone",
            field=models.CharField(default="America/New_York", max_length=64),
        ),
        migrations.AddField(
            model_name="practice",
            name="locale",
            field=models.CharField(default="en-US", max_length=10),
        ),
        migrations.AddField(
            model_name="practice",
            name="note_overdue_hours",
            field=models.PositiveIntegerField(
                default=72, help_text="A progress note still unsigned this many hours after its session is overdue."
            ),
        ),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.RemoveField(model_name="practice", name="crisis_resources"),
    ]
