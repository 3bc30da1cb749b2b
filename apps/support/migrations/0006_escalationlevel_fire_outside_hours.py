from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0005_helpdesksource_write_back"),
    ]

    operations = [
        migrations.AddField(
            model_name="escalationlevel",
            name="fire_outside_hours",
            field=models.BooleanField(
                default=False,
                help_text="Fire when it falls due even if the clock's calendar is closed (an "
                "offset after the due then counts wall-clock minutes). Otherwise a level that "
                "falls due outside hours fires at the calendar's next opening.",
            ),
        ),
    ]
