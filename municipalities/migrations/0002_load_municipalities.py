"""Loads Norway's 15 counties and 357 municipalities (2024 structure); see municipalities/data/SOURCE.md."""

import csv
import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    County = apps.get_model("municipalities", "County")
    Municipality = apps.get_model("municipalities", "Municipality")
    counties = {}
    for row in json.loads((DATA / "fylker-2024.json").read_text(encoding="utf-8")):
        counties[row["id"]], _ = County.objects.update_or_create(number=row["id"], defaults={"name": row["name"]})
    with (DATA / "kommuner-2024.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            Municipality.objects.update_or_create(
                number=row["kommunenummer"],
                defaults={
                    "name": row["kommunenavn"],
                    "norwegian_name": row["kommunenavn_norsk"],
                    "county": counties[row["fylkesnummer"]],
                },
            )


class Migration(migrations.Migration):
    dependencies = [("municipalities", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
