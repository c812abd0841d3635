"""Reads of the members app that pages share."""

import datetime as dt
import functools

from django.db import connections, router

from members.login import PREVIOUS_LOGIN_SESSION_KEY
from members.models import LoanContract, LoginAttempt, Member


def previous_login_at(session) -> dt.datetime | None:
    """Return the time of the login before the current one, as recorded at login."""
    value = session.get(PREVIOUS_LOGIN_SESSION_KEY)
    return dt.datetime.fromisoformat(value) if value else None


def login_history(member: Member):
    return LoginAttempt.objects.for_member(member)


def member_of_session(pk: int) -> Member | None:
    """Return the member (not staff) with primary key `pk`, with the contract and its due
    status as `select_related("contract__due_status")` loads them; None if there is none.

    Every request of a logged-in member reads this (the auth backend's get_user), and
    every page's header needs the contract and due status (history's quick menu). The
    ORM took longer to write this three-table query than the database to answer it, a
    third of a bare logged-in request on PostgreSQL, so it is written once per connection
    (_member_query) and its row becomes instances as the ORM's would: through the fields'
    converters, Model.from_db and the relations' caches.
    """
    connection = connections[router.db_for_read(Member)]
    sql, parts = _member_query(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    instances, start = [], 0
    for model, attnames, converters in parts:
        values = list(row[start : start + len(attnames)])
        start += len(attnames)
        if values[0] is None:  # nothing joined: a member without a contract, or a due status
            instances.append(None)
            continue
        for index, (column, column_converters) in enumerate(converters):
            for convert in column_converters:
                values[index] = convert(values[index], column, connection)
        instances.append(model.from_db(connection.alias, attnames, values))
    member, contract, due_status = instances
    _cache_relation(Member._meta.get_field("contract"), member, contract)
    if contract is not None:
        _cache_relation(LoanContract._meta.get_field("due_status"), contract, due_status)
    return member


@functools.cache
def _member_query(connection) -> tuple[str, list[tuple]]:
    """Return member_of_session's SQL for `connection` and, per model, its fields' names
    and each column's converters (as the ORM's compiler finds them)."""
    contract = Member._meta.get_field("contract")
    due_status = LoanContract._meta.get_field("due_status")
    models = (Member, LoanContract, due_status.related_model)
    qn = connection.ops.quote_name
    columns, parts = [], []
    for model in models:
        fields = model._meta.concrete_fields
        cols = [field.get_col(model._meta.db_table) for field in fields]
        columns += [f"{qn(model._meta.db_table)}.{qn(field.column)}" for field in fields]
        converters = [
            (col, connection.ops.get_db_converters(col) + field.get_db_converters(connection))
            for field, col in zip(fields, cols, strict=True)
        ]
        parts.append((model, [field.attname for field in fields], converters))
    member, contract_table, due_table = (model._meta.db_table for model in models)
    sql = (
        f"SELECT {', '.join(columns)} FROM {qn(member)}"
        f" LEFT JOIN {qn(contract_table)} ON {qn(contract_table)}.{qn(contract.field.column)}"
        f" = {qn(member)}.{qn(Member._meta.pk.column)}"
        f" LEFT JOIN {qn(due_table)} ON {qn(due_table)}.{qn(due_status.field.column)}"
        f" = {qn(contract_table)}.{qn(LoanContract._meta.pk.column)}"
        # Borrowers only, as MemberQuerySet.members.
        f" WHERE {qn(member)}.{qn(Member._meta.pk.column)} = %s"
        f" AND {qn(member)}.{qn(Member._meta.get_field('member_number').column)} IS NOT NULL"
    )
    return sql, parts


def _cache_relation(relation, instance, related) -> None:
    """Remember `related` (or that there is none) on both sides of a one-to-one relation,
    as select_related does."""
    relation.set_cached_value(instance, related)
    if related is not None:
        relation.field.set_cached_value(related, instance)
