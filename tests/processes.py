"""What a test hands to a process of its own (a worker, a shell): the test database's URL."""

from django.db import connection


def database_url() -> str:
    """The test database as a DATABASE_URL (PostgreSQL: another process shares it)."""
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
