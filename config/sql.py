"""SQL for the few reads every page makes, where building the query through the ORM costs
far more than running it (measured in bench/README.md). Parameters always go separately."""

from django.db import connection


def rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params: list) -> int:
    """Run one write; the number of rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
