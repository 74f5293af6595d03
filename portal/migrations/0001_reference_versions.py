from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="ReferenceVersion",
            fields=[
                ("table", models.CharField(max_length=63, primary_key=True, serialize=False)),
                ("stamp", models.BigIntegerField()),
            ],
        ),
    ]
