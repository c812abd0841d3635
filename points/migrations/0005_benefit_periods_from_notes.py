"""Fill the benefit period of the redemptions booked before it was kept, from their notes
(「無利息15日間（2026/12/09〜2026/12/23）」, as points.services wrote them)."""

import datetime as dt
import re

from django.db import migrations

PERIOD = re.compile(r"（(\d{4})/(\d{2})/(\d{2})〜(\d{4})/(\d{2})/(\d{2})）$")


def fill_periods(apps, schema_editor):
    PointEntry = apps.get_model("points", "PointEntry")
    redemptions = PointEntry.objects.filter(reason="redemption", benefit_first_day__isnull=True)
    changed = []
    for entry in redemptions.only("id", "note").iterator(chunk_size=2000):
        found = PERIOD.search(entry.note)
        if not found:
            continue
        numbers = [int(part) for part in found.groups()]
        try:
            first, last = dt.date(*numbers[:3]), dt.date(*numbers[3:])
        except ValueError:
            continue
        if first <= last:
            entry.benefit_first_day, entry.benefit_last_day = first, last
            changed.append(entry)
    PointEntry.objects.bulk_update(
        changed, ["benefit_first_day", "benefit_last_day"], batch_size=2000
    )


class Migration(migrations.Migration):
    dependencies = [("points", "0004_english_versions")]

    operations = [migrations.RunPython(fill_periods, migrations.RunPython.noop, elidable=True)]
