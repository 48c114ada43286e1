"""SearchFilters as SQL: bound parameters only, no LIKE (so %, _ and quotes are plain characters)."""

from __future__ import annotations

import json
import os

from engine.results import SearchFilters
from engine.store.db import Connection


def is_empty(filters: SearchFilters | None) -> bool:
    """True when the filters narrow nothing."""
    if filters is None:
        return True
    return all(
        v is None or v == ""
        for v in (
            filters.folder,
            filters.path_contains,
            filters.min_duration,
            filters.max_duration,
            filters.modified_after,
            filters.modified_before,
        )
    )


def where_clause(filters: SearchFilters) -> tuple[str, list[object]]:
    """A WHERE fragment over `videos v` and its parameters."""
    # No status condition: a video back to pending keeps its old clips searchable until reindexed,
    # filtered or not (failed videos have no clips).
    parts: list[str] = ["1"]
    params: list[object] = []
    if filters.folder:
        folder = os.path.abspath(os.path.expanduser(filters.folder)).rstrip(os.sep)
        prefix = folder + os.sep
        # substr comparison, not LIKE: a folder name may contain % or _.
        parts.append("(v.path = ? OR substr(v.path, 1, ?) = ?)")
        params += [folder, len(prefix), prefix]
    if filters.path_contains:
        parts.append("instr(lower(v.path), lower(?)) > 0")
        params.append(filters.path_contains)
    if filters.min_duration is not None:
        parts.append("v.duration >= ?")
        params.append(float(filters.min_duration))
    if filters.max_duration is not None:
        parts.append("v.duration <= ?")
        params.append(float(filters.max_duration))
    if filters.modified_after is not None:
        parts.append("v.mtime >= ?")
        params.append(float(filters.modified_after))
    if filters.modified_before is not None:
        parts.append("v.mtime <= ?")
        params.append(float(filters.modified_before))
    return " AND ".join(parts), params


def candidate_clips(conn: Connection, filters: SearchFilters) -> list[int]:
    """Ids of every clip whose video passes the filters, ascending."""
    where, params = where_clause(filters)
    # Videos first, then their clips through clips_video: a join let the planner scan every clip
    # (1.3 s at 1M clips against 0.2 s, measured).
    # One JSON array, not a row per clip: 100k rows cost ~0.1 s of Python iteration, the array ~10 ms.
    found = conn.execute(
        "SELECT json_group_array(id) FROM (SELECT c.id AS id FROM clips c WHERE c.video_id IN "
        f"(SELECT v.id FROM videos v WHERE {where}) ORDER BY c.id)",
        params,
    ).fetchall()
    ids: list[int] = json.loads(str(found[0][0])) if found and found[0][0] else []
    return ids


def candidate_videos(conn: Connection, filters: SearchFilters) -> list[int]:
    """Ids of the videos that pass the filters."""
    where, params = where_clause(filters)
    return [int(r[0]) for r in conn.execute(f"SELECT v.id FROM videos v WHERE {where}", params)]
