"""API tokens, checked on every request so that a deleted token or a deactivated user stops at once — in one prepared
query on Postgres (the token's user, read as the model's own columns) instead of DRF's queryset, which the submit
hot path would pay for on every save (bench/submit_load.py). Same answers as DRF's TokenAuthentication: 401 with
`WWW-Authenticate: Token` for an unknown token or an inactive user; other databases take DRF's own path."""
import functools

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from lcnet_site.sql import execute_prepared


@functools.cache
def _token_user_sql() -> tuple[str, list[str]]:
    """The lookup and the user fields it reads, built once per process (the models do not change)."""
    user_model = get_user_model()
    fields = user_model._meta.concrete_fields
    quote = connection.ops.quote_name
    sql = (f"SELECT {', '.join('u.' + quote(f.column) for f in fields)} "
           f"FROM {quote(Token._meta.db_table)} t JOIN {quote(user_model._meta.db_table)} u "
           f"ON u.{quote(user_model._meta.pk.column)} = t.{quote(Token._meta.get_field('user').column)} "
           f"WHERE t.{quote(Token._meta.pk.column)} = %(key)s")
    return sql, [f.attname for f in fields]


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        if connection.vendor != "postgresql":
            return super().authenticate_credentials(key)
        sql, attnames = _token_user_sql()
        with connection.cursor() as cur:
            execute_prepared(cur, "lcnet_token_user", sql, {"key": key}, {"key": "text"})
            row = cur.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = get_user_model().from_db(connection.alias, attnames, row)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, Token(key=key, user=user)
