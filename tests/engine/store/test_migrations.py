"""Migrations are known by name: unique, numbered by position, and a database's record is read by name."""

from __future__ import annotations

from pathlib import Path

import apsw
import pytest

from engine.errors import SchemaTooNewError
from engine.store import LibraryStore
from engine.store.db import Connection
from engine.store.migrations import MIGRATIONS, applied_migrations, migration


def test_registered_names_are_unique_and_carry_their_position() -> None:
    names = [name for name, _ in MIGRATIONS]
    assert len(set(names)) == len(names)
    for position, name in enumerate(names, start=1):
        assert name.startswith(f"m{position:03d}_")


def test_a_second_migration_with_a_taken_name_or_number_is_refused_at_import() -> None:
    before = list(MIGRATIONS)
    taken, _ = MIGRATIONS[0]
    nxt = len(MIGRATIONS) + 1

    def make(name: str):  # a migration function under a given name
        def fn(conn: Connection) -> None:
            raise AssertionError("never applied")

        fn.__name__ = name
        return fn

    with pytest.raises(RuntimeError, match="registered twice"):
        migration(make(taken))
    with pytest.raises(RuntimeError, match=f"m{nxt:03d}_"):
        migration(make(f"m{nxt + 1:03d}_skips_a_number"))
    with pytest.raises(RuntimeError, match=f"m{nxt:03d}_"):
        migration(make(f"m{nxt - 1:03d}_another_branch_took_this_number"))
    with pytest.raises(RuntimeError, match=f"m{nxt:03d}_"):
        migration(make("add_a_column"))
    assert MIGRATIONS == before


def test_the_applied_record_is_read_by_name(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    LibraryStore.open(db).close()
    conn = apsw.Connection(str(db))
    assert applied_migrations(conn) == [name for name, _ in MIGRATIONS]
    conn.close()
    assert applied_migrations(apsw.Connection(":memory:")) == []


def test_a_database_that_records_an_unknown_migration_is_refused_with_a_sentence(tmp_path: Path) -> None:
    db = tmp_path / "branch.db"
    LibraryStore.open(db).close()
    conn = apsw.Connection(str(db))
    # Same count as this code knows, different history: the user_version alone would not notice.
    last = "(SELECT max(id) FROM schema_migrations)"
    conn.execute(f"UPDATE schema_migrations SET name = 'm_from_another_build' WHERE id = {last}")
    conn.close()
    with pytest.raises(SchemaTooNewError, match="m_from_another_build"):
        LibraryStore.open(db)
    with pytest.raises(SchemaTooNewError, match="does not know"):
        LibraryStore.open(db, readonly=True)
