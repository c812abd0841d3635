from django.conf import settings
from django.db import migrations, models


def lock_full_counters(apps, schema_editor):
    """Counters at the threshold were locked by inference; say so explicitly now."""
    AttemptCounter = apps.get_model("members", "AttemptCounter")
    AttemptCounter.objects.filter(failures__gte=settings.PORTAL_LOCKOUT_THRESHOLD).update(
        locked=True
    )


class Migration(migrations.Migration):
    dependencies = [("members", "0004_staff_have_no_web_id")]

    operations = [
        migrations.AddField(
            model_name="attemptcounter",
            name="locked",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(lock_full_counters, migrations.RunPython.noop),
    ]
