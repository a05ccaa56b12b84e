"""ORM queries compiled to SQL once per process, then run with other values.

Building and compiling a queryset with joins, filtered relations and aggregates costs more CPU
than the database spends running it (measured on SQLite: 160 µs to read a user by primary key
through `objects.get()`, 12 µs for the statement itself). The reads every logged-in request
makes (its session, its user, the learner's progress and completion) pay that once per process:
the queryset is built with placeholder values and compiled; each run executes the SQL with the
placeholders replaced by the real values and turns the rows into what the queryset would have
given (model instances with their annotations, or values_list tuples), through the same
converters and `Model.from_db` the ORM uses. The query is still defined once, in the ORM.
"""

import datetime
import threading

try:
    from psycopg import ClientCursor
    from psycopg.pq import Format
except ImportError:  # psycopg is only needed with PostgreSQL
    ClientCursor = Format = None

from django.db import connections
from django.db.models import Q
from django.db.models.constants import OnConflict
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable
from django.db.models.sql import InsertQuery, UpdateQuery


class _CompiledOnce:
    """Compiles its statement (`compile(connection)`) once per database and keeps it."""

    def __init__(self):
        self.compiled = {}
        self.lock = threading.Lock()

    def statement(self, connection):
        key = (connection.alias, connection.vendor)
        compiled = self.compiled.get(key)
        if compiled is None:
            compiled = self.compile(connection)
            with self.lock:
                self.compiled[key] = compiled
        return compiled


class Prepared(_CompiledOnce):
    def __init__(self, build, **placeholders):
        """`build(**placeholders)` returns the queryset; `placeholders` name each argument's
        stand-in value (an int or str no real call will pass)."""
        super().__init__()
        self.build = build
        self.placeholders = placeholders

    def compile(self, connection):
        queryset = self.build(**self.placeholders)
        kind = queryset._iterable_class
        if kind not in (ModelIterable, ValuesListIterable, FlatValuesListIterable):
            raise TypeError(f"Prepared runs model and values_list querysets, not {kind.__name__}")
        if queryset._prefetch_related_lookups:
            raise TypeError("Prepared querysets can't prefetch: run the prefetch yourself")
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        fields = [expression for expression, _, _ in compiler.select[: compiler.col_count]]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        )
        if kind is ModelIterable:
            info = compiler.klass_info
            if info.get("related_klass_infos"):
                raise TypeError("Prepared querysets can't select_related")
            start, end = info["select_fields"][0], info["select_fields"][-1] + 1
            init_list = [f[0].target.attname for f in compiler.select[start:end]]
            shape = (
                info["model"],
                start,
                end,
                init_list,
                tuple(compiler.annotation_col_map.items()),
            )
        else:
            shape = None
        slots = []
        for index, param in enumerate(params):
            for name, value in self.placeholders.items():
                if type(param) is type(value) and param == value:
                    slots.append((index, name))
        missing = set(self.placeholders) - {name for _, name in slots}
        if missing:
            raise ValueError(f"Placeholders not found in the compiled query: {sorted(missing)}")
        return kind, sql, tuple(params), tuple(slots), converters, shape

    def run(self, using="default", **values):
        """What the queryset would give (a list), with these values in place."""
        connection = connections[using]
        kind, sql, params, slots, converters, shape = self.statement(connection)
        params = list(params)
        for index, name in slots:
            params[index] = values[name]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and not isinstance(cursor.cursor, ClientCursor):
                # Rows in binary: psycopg's C loaders read timestamps several times faster than
                # the text loader Django installs for them, with the same aware UTC values.
                # (Client-side binding, DB_PREPARED_STATEMENTS=0, can't fetch binary rows. No
                # compiled read selects jsonb or inet, which Django loads its own way in text.)
                cursor.cursor.format = Format.BINARY
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = [list(row) for row in rows]
            for row in rows:
                for position, functions, expression in converters:
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
        if kind is FlatValuesListIterable:
            return [row[0] for row in rows]
        if kind is ValuesListIterable:
            return [tuple(row) for row in rows]
        model, start, end, init_list, annotations = shape
        objects = []
        for row in rows:
            obj = model.from_db(using, init_list, row[start:end])
            for name, position in annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


class _PreparedWrite(_CompiledOnce):
    """A write statement for fixed fields, compiled once per database by the ORM's own compiler;
    each run converts the values as that compiler would (`get_db_prep_save`)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def field(self, name):
        return self.model._meta.get_field(name)


class PreparedInsert(_PreparedWrite):
    """`Model.objects.create(**values)` for these fields, when nothing needs the new row back
    (no primary key read, no signals, no `pre_save`: pass every value, defaults included).
    With `ignore_conflicts`, a row that would break a unique constraint is not written (on
    PostgreSQL, ON CONFLICT DO NOTHING; SQLite's INSERT OR IGNORE also skips a row breaking a
    NOT NULL or CHECK constraint, so there it is for rows known to be valid)."""

    def __init__(self, model, *names, ignore_conflicts=False):
        super().__init__(model)
        self.fields = [self.field(name) for name in names]
        self.on_conflict = OnConflict.IGNORE if ignore_conflicts else None

    def compile(self, connection):
        query = InsertQuery(self.model, on_conflict=self.on_conflict)
        query.insert_values(self.fields, [self.model()])
        ((sql, _),) = query.get_compiler(connection=connection).as_sql()
        return sql

    def params(self, connection, values):
        return [field.get_db_prep_save(values[field.name], connection) for field in self.fields]

    def run(self, using="default", **values):
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(self.statement(connection), self.params(connection, values))


class PreparedUpdate(_PreparedWrite):
    """`Model.objects.filter(**where).update(**values)`: exact-match filters on the fields named
    in `where`, the fields named in `fields` set; returns the number of rows changed."""

    def __init__(self, model, *, fields, where):
        super().__init__(model)
        self.set_fields = [self.field(name) for name in fields]
        self.where_fields = [self.field(name) for name in where]

    def compile(self, connection):
        query = UpdateQuery(self.model)
        query.add_update_fields([(field, None, _stand_in(field)) for field in self.set_fields])
        # One exact lookup per field, in this order: each adds one parameter after the SET ones.
        query.add_q(Q(*[(field.name, _stand_in(field)) for field in self.where_fields]))
        sql, params = query.get_compiler(connection=connection).as_sql()
        if len(params) != len(self.set_fields) + len(self.where_fields):
            raise ValueError(f"Unexpected parameters in {sql!r}")
        return sql

    def params(self, connection, values, where):
        params = [
            field.get_db_prep_save(values[field.name], connection) for field in self.set_fields
        ]
        params += [
            field.get_db_prep_value(field.get_prep_value(where[field.name]), connection, True)
            for field in self.where_fields
        ]
        return params

    def run(self, using="default", *, values, where):
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(self.statement(connection), self.params(connection, values, where))
            return cursor.rowcount


class _ThenInsert(_CompiledOnce):
    """A write (`first`) and, only if it wrote a row, `insert`, as one PostgreSQL statement (an
    INSERT fed by a data-modifying WITH): atomic without a transaction, and one round trip
    where BEGIN, the two writes and COMMIT take four. PostgreSQL only: SQLite has no
    data-modifying WITH."""

    def __init__(self, first, insert):
        super().__init__()
        self.first, self.insert = first, insert

    def compile(self, connection):
        if connection.vendor != "postgresql":
            raise NotImplementedError("A data-modifying WITH needs PostgreSQL")
        # Made of the two compiled statements: no value is ever put into the SQL.
        head, values = self.insert.statement(connection).split(" VALUES ")
        first = self.first.statement(connection)
        placeholders = values.strip().removeprefix("(").removesuffix(")")
        pk = connection.ops.quote_name(self.first.model._meta.pk.column)
        return (
            f"WITH changed AS ({first} RETURNING {pk}) "  # noqa: S608
            f"{head} SELECT {placeholders} FROM changed RETURNING (SELECT {pk} FROM changed)"
        )

    def execute(self, connection, params):
        cursor = connection.cursor()
        with cursor:
            cursor.execute(self.statement(connection), params)
            return cursor.rowcount, cursor.fetchone()


class PreparedUpdateThenInsert(_ThenInsert):
    """`update.run(values, where)` (which must match one row at most) and, only if it changed
    the row, `insert.run(**row)`, in one statement. Returns the number of rows changed."""

    def run(self, using="default", *, values, where, row):
        connection = connections[using]
        params = self.first.params(connection, values, where) + self.insert.params(connection, row)
        changed, _ = self.execute(connection, params)
        return changed


class PreparedInsertThenInsert(_ThenInsert):
    """`first.run(**values)` (a PreparedInsert with `ignore_conflicts`) and, only if it wrote
    the row, `insert.run(**row)`, in one statement. Returns the new row's primary key, or None
    when a conflicting row was there first."""

    def run(self, using="default", *, values, row):
        connection = connections[using]
        params = self.first.params(connection, values) + self.insert.params(connection, row)
        _, created = self.execute(connection, params)
        return created[0] if created else None


def _stand_in(field):
    """A value of the field's type (never None, which compiles to NULL rather than a parameter),
    only for compiling the statement's shape."""
    kind = field.get_internal_type()
    if kind.endswith(("AutoField", "IntegerField")):
        return 0
    if kind == "DateTimeField":
        return datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    return "x"
