"""Foundation sections copied from the original documents say «Se side 6 for plan for gjennomføring …»; the
portal's PDF puts the plan on another page. Those references become «{plan}», which the portal prints as a
reference to the plan's section, with the page its PDF gives it."""

import re

from django.db import migrations, models

# «Se side 6 for plan for gjennomføring veiledningsmøter …», «Se side 7 for tidsplan for gjennomføring …»:
# the two documents' wording. Any other page reference is left for the programme leader (the portfolio copy
# names the sections that still have one).
PAGE_REFERENCE = re.compile(r"\bSe side \d+ for (?P<time>tids)?plan for gjennomføring(?: av)?\s+", re.IGNORECASE)


def refer_by_section(text: str) -> str:
    return PAGE_REFERENCE.sub(lambda m: "Se {plan} for tidsplanen for " if m["time"] else "Se {plan} for ", text)


def forwards(apps, schema_editor):
    FoundationSection = apps.get_model("portfolios", "FoundationSection")
    for section in FoundationSection.objects.filter(text__icontains="se side "):
        text = refer_by_section(section.text)
        if text != section.text:
            section.text = text
            section.save(update_fields=["text"])


class Migration(migrations.Migration):
    dependencies = [("portfolios", "0002_role_permissions")]

    operations = [
        migrations.AlterField(
            model_name="foundationsection",
            name="text",
            field=models.TextField(
                blank=True,
                help_text=(
                    "Avsnitt skilles med en tom linje. Linjer som begynner med «- » blir punkter. "
                    "«{avtaleperiode}» byttes ut med porteføljens avtaleperiode, og «{plan}» med en henvisning "
                    "til «Plan for gjennomføring» (i PDF-en med sidetallet)."
                ),
                verbose_name="tekst",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
