"""Every existing practice gets Alliance's coping-strategy library (new practices get it from
practice.services.practice_create)."""

from django.db import migrations


def install(apps, schema_editor):
    from clients.services.toolkit import LIBRARY

    Practice = apps.get_model("practice", "Practice")
    CopingStrategy = apps.get_model("clients", "CopingStrategy")
    for practice in Practice.objects.all():
        if CopingStrategy.objects.filter(practice=practice, client__isnull=True).exists():
            continue
        CopingStrategy.objects.bulk_create(
            CopingStrategy(practice=practice, kind=kind, title=title, instructions=instructions)
            for kind, title, instructions in LIBRARY
        )


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0006_safety_plan_toolkit_agenda_goal_wording"),
        ("practice", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
