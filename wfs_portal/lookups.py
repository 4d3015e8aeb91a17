"""Lookups of the project's own, registered on every field when the app is ready."""

from django.db.models import Field, ForeignObject, Lookup


@ForeignObject.register_lookup  # a foreign key's own lookups do not include Field's
@Field.register_lookup
class AnyOf(Lookup):
    """``field__any=values``: the rows whose field is one of ``values`` (a list), like ``__in``, but
    on PostgreSQL as ``field = ANY(%s)`` with the values as one array parameter. For the thousands of
    values of a batch (the matching corpus is read 2,000 organisations at a time) ``__in`` makes one
    placeholder per value, and building such a query took Django and psycopg longer than PostgreSQL
    took to answer it."""

    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]
