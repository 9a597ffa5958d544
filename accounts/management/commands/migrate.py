"""Django's migrate, one at a time: on PostgreSQL it first takes a session advisory lock, so
two migrates of one database at once (two `docker compose up`s, a Kubernetes Job retried while
the first run still works, an operator's own run) take turns instead of the second dying on
`relation ... already exists`. The one that waits then finds nothing left to apply."""

from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections

# pg_advisory_lock's key, the same in every process: b"lectmigr" read as a number.
MIGRATE_LOCK_KEY = 0x6C65_6374_6D69_6772


class Command(MigrateCommand):
    def handle(self, *args, **options):
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            return super().handle(*args, **options)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATE_LOCK_KEY])
            (got,) = cursor.fetchone()
            if not got:
                if options["verbosity"]:
                    self.stdout.write("Another migrate is running; waiting for it to finish.")
                cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK_KEY])
        try:
            return super().handle(*args, **options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK_KEY])
