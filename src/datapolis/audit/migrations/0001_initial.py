"""The audit log leaves the access app, with its rows.

The model was `access.AuditEvent` (table `access_auditevent`, created by access 0001). This
migration takes it over in Django's state without touching the database, then renames the
table to `audit_auditevent` (its rows, indexes and constraints kept), and moves its content
type, so permissions given on it and admin history stay attached. access 0002 drops the
model from access's state. A fresh database runs the same steps.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, source: str = "access", destination: str = "audit") -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
    if not content_types.filter(app_label=destination, model="auditevent").exists():
        content_types.filter(app_label=source, model="auditevent").update(app_label=destination)


def move_content_type_back(apps, schema_editor) -> None:
    move_content_type(apps, schema_editor, source="audit", destination="access")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("access", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "at",
                            models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="when"),
                        ),
                        ("actor_name", models.CharField(blank=True, max_length=150, verbose_name="who")),
                        ("action", models.CharField(db_index=True, max_length=50, verbose_name="what")),
                        ("target", models.CharField(blank=True, max_length=300, verbose_name="on what")),
                        ("ip", models.GenericIPAddressField(blank=True, null=True, verbose_name="from where")),
                        ("user_agent", models.CharField(blank=True, max_length=300, verbose_name="user agent")),
                        ("details", models.JSONField(blank=True, default=dict, verbose_name="details")),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "audit event",
                        "verbose_name_plural": "audit log",
                        "ordering": ["-at", "-id"],
                        "db_table": "access_auditevent",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="auditevent", table=None),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
