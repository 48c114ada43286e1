"""The integrity check behind `store.check()`: SQLite's own check plus the library's invariants."""

from __future__ import annotations

from engine.errors import DatabaseCorruptError
from engine.store import vec_table
from engine.store.db import Connection, scalar


def _count(conn: Connection, sql: str) -> int:
    return int(scalar(conn, sql))


def find_problems(conn: Connection) -> list[str]:
    """Every problem found, one sentence each; [] means the library is sound."""
    problems: list[str] = []
    result = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        problems += [f"SQLite integrity check: {line}" for line in result[:20]]
    fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        problems.append(f"{len(fk)} rows point at missing parents (foreign key check).")
    checks = {
        "frames without a clip": "SELECT count(*) FROM frames WHERE clip_id NOT IN (SELECT id FROM clips)",
        "clips without a video": "SELECT count(*) FROM clips WHERE video_id NOT IN (SELECT id FROM videos)",
        "videos without a folder": "SELECT count(*) FROM videos "
        "WHERE folder_id NOT IN (SELECT id FROM folders)",
        "indexed videos without clips": "SELECT count(*) FROM videos WHERE status = 'indexed' "
        "AND id NOT IN (SELECT video_id FROM clips)",
        "clips of videos that are not indexed": "SELECT count(*) FROM clips WHERE video_id IN "
        "(SELECT id FROM videos WHERE status = 'failed')",
        "clips with an end before their start": 'SELECT count(*) FROM clips WHERE "end" < start',
    }
    for label, sql in checks.items():
        n = _count(conn, sql)
        if n:
            problems.append(f"{n} {label}.")
    clips = _count(conn, "SELECT count(*) FROM clips")
    problems += _meta_problems(conn)
    if vec_table.table_exists(conn):
        vectors = vec_table.count(conn)
        if vectors != clips:
            problems.append(f"{vectors} clip vectors but {clips} clips: vector rows must equal clip rows.")
        missing = _count(
            conn, f"SELECT count(*) FROM clips WHERE id NOT IN (SELECT clip_id FROM {vec_table.TABLE})"
        )
        if missing:
            problems.append(f"{missing} clips have no vector.")
    elif clips:
        problems.append(f"{clips} clips but no vector table.")
    return problems


def _meta_problems(conn: Connection) -> list[str]:
    """Library settings that search and indexing read as numbers must be numbers."""
    try:
        vec_table.vector_dim(conn)
    except DatabaseCorruptError as exc:
        return [str(exc)]
    return []
