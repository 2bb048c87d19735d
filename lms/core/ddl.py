"""Database-side rules (triggers and their functions) written as SQL per dialect, installed by a
migration and by `create_all` alike, and dropped by the migration's downgrade. Each area declares
its own statements (`lms/billing/ddl.py`: the ledger's guards; `lms/exams/ddl.py`: the history of
answer saves); this module only runs them, so there is one way to install and drop them."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text


@dataclass(frozen=True)
class Triggers:
    postgresql: list[str] = field(default_factory=list)
    sqlite: list[str] = field(default_factory=list)
    drop_postgresql: list[str] = field(default_factory=list)
    drop_sqlite: list[str] = field(default_factory=list)

    def statements(self, dialect: str) -> list[str]:
        """The statements that install the triggers on `dialect` (none on another database)."""
        return {"postgresql": self.postgresql, "sqlite": self.sqlite}.get(dialect, [])

    def install(self, connection) -> None:
        for sql in self.statements(connection.dialect.name):
            connection.execute(text(sql))

    def drop(self, connection) -> None:
        for sql in {"postgresql": self.drop_postgresql, "sqlite": self.drop_sqlite}.get(connection.dialect.name, []):
            connection.execute(text(sql))
