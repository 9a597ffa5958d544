"""SQL for the few reads every page makes, where building the query through the ORM costs
far more than running it (measured in bench/README.md). Parameters always go separately."""

import json

from django.db import connection
from django.db.models import Model


def rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params: list) -> int:
    """Run one write; the number of rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def placeholders(count: int) -> str:
    """``%s, %s, ...``: one parameter for each of ``count`` values (an IN list)."""
    return ", ".join(["%s"] * count)


def columns(model: type[Model], alias: str) -> str:
    """The select list of all of ``model``'s columns, prefixed with the table's ``alias``, in
    the order ``instance`` takes them."""
    return ", ".join(f"{alias}.{field.column}" for field in model._meta.concrete_fields)


def instance[M: Model](model: type[M], values: tuple) -> M | None:
    """The ``model`` row whose columns ``columns`` selected, converted as the ORM converts
    them (SQLite returns dates as text); None when its primary key is NULL (an outer join
    that found no row)."""
    fields = model._meta.concrete_fields
    converted = [
        _converted(model, field, value) for field, value in zip(fields, values, strict=True)
    ]
    if converted[fields.index(model._meta.pk)] is None:
        return None
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


def json_rows(*values: str) -> str:
    """An aggregate of rows into one JSON array of arrays of ``values`` (read it with
    ``json_rows_decoded``), in this database's dialect. A JSON column goes through
    ``json_column``."""
    if connection.vendor == "postgresql":
        return f"json_agg(json_build_array({', '.join(values)}))"
    return f"json_group_array(json_array({', '.join(values)}))"


def json_column(column: str) -> str:
    """A JSON column as a JSON value inside ``json_rows`` (SQLite keeps it as text)."""
    return column if connection.vendor == "postgresql" else f"json({column})"


def json_rows_decoded(value: object) -> list:
    """What a ``json_rows`` aggregate gathered: psycopg decodes JSON, SQLite returns text;
    NULL when it found no row."""
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else value


def field_value(model: type[Model], name: str, raw: object) -> object:
    """``raw``, a value of ``model``'s field ``name`` that a raw query returned (an aggregate's,
    say), converted as the ORM converts that field's values (SQLite returns dates as text)."""
    return _converted(model, model._meta.get_field(name), raw)


def _converted(model: type[Model], field, raw: object) -> object:
    if raw is None:
        return None
    expression = field.get_col(model._meta.db_table)
    for convert in connection.ops.get_db_converters(expression):
        raw = convert(raw, expression, connection)
    for convert in expression.get_db_converters(connection):
        raw = convert(raw, expression, connection)
    return raw
