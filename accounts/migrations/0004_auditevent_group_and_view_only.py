from django.db import migrations, models


def drop_write_permissions(apps, schema_editor):
    """The log's add, change and delete permissions were created with the model; the model now declares
    only «view», and Django never removes a permission it stops creating. Deleting them also takes them
    away from every role and person they were granted to."""
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="accounts",
        content_type__model="auditevent",
        codename__in=["add_auditevent", "change_auditevent", "delete_auditevent"],
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_outbox_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditevent",
            options={
                "default_permissions": ("view",),
                "ordering": ["-created_at"],
                "verbose_name": "logghendelse",
                "verbose_name_plural": "logg",
            },
        ),
        migrations.AddField(
            model_name="auditevent",
            name="group_id",
            field=models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="kommunegruppe-id"),
        ),
        migrations.RunPython(drop_write_permissions, migrations.RunPython.noop),
    ]
