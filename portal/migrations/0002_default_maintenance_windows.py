import datetime as dt

from django.db import migrations

# SPEC §3 defaults. Weekday: 0 = Monday … 6 = Sunday.
DEFAULT_WINDOWS = [
    dict(scope="member_pages", recurrence="weekly", weekday=0, start_time=dt.time(0, 0),
         duration_minutes=7 * 60, description="毎週月曜 0:00〜7:00 定期メンテナンス"),
    dict(scope="member_pages", recurrence="yearly", month=1, day=1, start_time=dt.time(0, 0),
         duration_minutes=24 * 60, description="1月1日 終日メンテナンス"),
    dict(scope="internet_repayment", recurrence="weekly", weekday=6, start_time=dt.time(23, 0),
         duration_minutes=8 * 60, description="インターネット返済 日曜23:00〜月曜7:00"),
    dict(scope="internet_repayment", recurrence="monthly_nth_weekday", weekday=6, nth=3,
         start_time=dt.time(0, 0), duration_minutes=6 * 60,
         description="インターネット返済 第3日曜 0:00〜6:00"),
    dict(scope="internet_repayment", recurrence="monthly_nth_weekday", weekday=6, nth=3,
         day_offset=-1, start_time=dt.time(23, 0), duration_minutes=60,
         description="インターネット返済 第3日曜の前の土曜 23:00〜24:00"),
]


def seed(apps, schema_editor):
    MaintenanceWindow = apps.get_model("portal", "MaintenanceWindow")
    for fields in DEFAULT_WINDOWS:
        MaintenanceWindow.objects.get_or_create(**fields)


def unseed(apps, schema_editor):
    MaintenanceWindow = apps.get_model("portal", "MaintenanceWindow")
    for fields in DEFAULT_WINDOWS:
        MaintenanceWindow.objects.filter(**fields).delete()


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
