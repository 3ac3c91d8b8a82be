"""Vote cues on episodes; autopilot and its pause clock on screenings.

SQLite rebuilds a table to add a CHECK constraint, and the branch triggers of 0003 name
screenings_episode: they are dropped around the rebuild and made again (PostgreSQL keeps them).
"""

import importlib

from django.db import migrations, models

_triggers = importlib.import_module("screenings.migrations.0003_story_branch_same_production")


def _sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('screenings', '0003_story_branch_same_production'),
    ]

    operations = [
        migrations.RunPython(_sqlite(_triggers.SQLITE_DROP), _sqlite(_triggers.SQLITE_CREATE)),
        migrations.AddField(
            model_name='episode',
            name='vote_at_second',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='episode',
            name='vote_window_seconds',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='screening',
            name='autopilot',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='screening',
            name='autopilot_due_at',
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name='screening',
            name='paused_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name='episode',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('vote_at_second__isnull', True), ('vote_window_seconds__isnull', True)), models.Q(('vote_at_second__isnull', False), ('vote_window_seconds__gte', 3), ('vote_window_seconds__lte', 3600)), _connector='OR'), name='episode_vote_cue_whole'),
        ),
        migrations.RunPython(_sqlite(_triggers.SQLITE_CREATE), _sqlite(_triggers.SQLITE_DROP)),
    ]
