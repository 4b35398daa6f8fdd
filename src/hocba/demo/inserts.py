"""Many rows of one model written straight to the database, for the demo's gradebook.

The demo writes tens of thousands of result rows (hundreds of thousands for the large
province). ``bulk_create`` prepares every value of every row field by field through the ORM,
which alone cost the small demo six seconds; here a value is prepared only where the database
driver needs it (JSON, dates and times), and the rows go in the backend's fast way: one
prepared INSERT run for every row (``executemany``) on SQLite, ``COPY … FROM STDIN`` on
PostgreSQL (where one statement per row would cost a round trip each).

Like ``bulk_create``: no ``save()``, no signal (so no per-row audit event) and no instance.
Columns not given take the value in ``fixed`` or the field's default, so a field added later
with a default needs no change here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models

BATCH = 2000


class Inserter:
    """``Inserter(TermResult, ("student_id", "term", ...), version=1)``, then ``add(...)``
    with the given columns' values in that order, then ``write()``."""

    def __init__(self, model: type[models.Model], columns: Sequence[str], **fixed: Any
                 ) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        by_name = {f.attname: f for f in fields} | {f.name: f for f in fields}
        given = [by_name[c] for c in columns]
        rest = [f for f in fields if f not in given]
        self._prepare = [(i, p) for i, f in enumerate(given) if (p := _preparer(f))]
        self._tail = tuple(_constant(f, fixed) for f in rest)
        quote = connection.ops.quote_name
        # Only quoted names from the model's metadata go into the text; values are parameters.
        self._table = quote(model._meta.db_table)
        self._names = ", ".join(quote(f.column or f.attname) for f in [*given, *rest])
        self._given = len(given)
        self.rows: list[tuple[Any, ...]] = []

    def add(self, *values: Any) -> None:
        if len(values) != self._given:
            raise TypeError(f"{self._given} giá trị, không phải {len(values)}")
        row = [*values, *self._tail]
        for i, prepare in self._prepare:
            row[i] = prepare(row[i])
        self.rows.append(tuple(row))

    def write(self) -> int:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self._table} ({self._names}) FROM STDIN"
                                        ) as copy:
                    for row in self.rows:
                        copy.write_row(row)
                return len(self.rows)
            marks = ", ".join(["%s"] * len(self.rows[0])) if self.rows else ""
            sql = f"INSERT INTO {self._table} ({self._names}) VALUES ({marks})"  # noqa: S608
            for start in range(0, len(self.rows), BATCH):
                cursor.executemany(sql, self.rows[start:start + BATCH])
        return len(self.rows)


def _constant(field: models.Field[Any, Any], fixed: dict[str, Any]) -> Any:
    value = fixed.get(field.attname, fixed.get(field.name, field.get_default()))
    prepare = _preparer(field)
    return prepare(value) if prepare else field.get_db_prep_save(value, connection)


def _preparer(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """What the driver needs done to a value: nothing for numbers, text and Decimals (both
    drivers take those as they are); the backend's adaptation for JSON and date-times,
    remembered per value (a demo's rows repeat a few date-times and many short lists)."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        # COPY takes JSON as text; the other backends' own adaptation otherwise.
        adapt: Callable[[Any], Any] = (
            (lambda value: json.dumps(value, cls=encoder)) if connection.vendor == "postgresql"
            else (lambda value: connection.ops.adapt_json_value(value, encoder)))
        lists: dict[tuple[Any, ...], Any] = {}

        def json_value(value: Any) -> Any:
            if not isinstance(value, list):
                return adapt(value)
            key = tuple(value)
            if key not in lists:
                lists[key] = adapt(value)
            return lists[key]

        return json_value
    if isinstance(field, models.DateTimeField):
        times: dict[datetime | None, Any] = {}

        def time_value(value: datetime | None) -> Any:
            if value not in times:
                times[value] = field.get_db_prep_save(value, connection)
            return times[value]

        return time_value
    return None
