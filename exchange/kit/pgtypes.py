"""PostgreSQL column types SQLAlchemy does not know, declared so models match migrations."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.types import UserDefinedType


class XID8(UserDefinedType[str]):
    """A 64-bit transaction id (``pg_current_xact_id()``); read and written as text."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"


# reflection (alembic's model comparison) maps the database's xid8 columns back to this type
ischema_names.setdefault("xid8", XID8)
