"""Bad input on the command line gets one sentence and loses nothing (issue 14)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import apsw
import pytest

from engine.cli import EXIT_ERROR, main
from engine.store import LibraryStore
from tests.engine.indexing.conftest import write_video


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.mark.parametrize(
    "command", [["status"], ["search", "a dog"], ["check"], ["folders", "list"], ["status", "--json"]]
)
def test_read_only_commands_on_a_missing_library_say_so_and_create_nothing(
    tmp_path: Path, capsys, command: list[str]
) -> None:
    db = tmp_path / "typo" / "lib.db"
    code, out, err = run(capsys, "--db", str(db), *command)
    assert code == EXIT_ERROR and "no library" in err.lower() and str(db) in err
    assert len(err.strip().splitlines()) == 1 and out == ""
    assert not db.parent.exists()


def test_a_negative_schema_version_is_a_damaged_library(tmp_path: Path, capsys) -> None:
    db = tmp_path / "lib.db"
    LibraryStore.open(db).close()
    conn = apsw.Connection(str(db))
    conn.execute("PRAGMA user_version = -3")
    conn.close()
    code, _, err = run(capsys, "--db", str(db), "status")
    assert code == EXIT_ERROR and "schema version" in err and "already exists" not in err
    code, _, err = run(capsys, "--db", str(db), "check")
    assert code == 3 and "schema version" in err


def test_a_relative_model_path_is_stored_absolute(tmp_path: Path, capsys, monkeypatch) -> None:
    from engine.model import load_model

    load_model("tiny", device="cpu").save(tmp_path / "models" / "other")
    videos = tmp_path / "videos"
    write_video(videos / "a.avi", 1)
    db = tmp_path / "lib.db"
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "--db", str(db), "--model", "models/other", "index", "-q", str(videos))
    assert code == 0, err
    with LibraryStore.open(db) as store:
        assert store.get_meta("model_spec") == str(tmp_path / "models" / "other")
    monkeypatch.chdir(videos)  # from elsewhere the library still finds its model
    code, out, err = run(capsys, "--db", str(db), "search", "a bar", "--json")
    assert code == 0 and json.loads(out), err
    code, out, _ = run(capsys, "--db", str(db), "status", "--json")
    assert json.loads(out)["reindex_needed"] is False
    assert os.path.isabs(json.loads(out)["model"])


def test_a_vector_dimension_that_is_not_a_number_is_noticed(tmp_path: Path, capsys) -> None:
    videos = tmp_path / "videos"
    write_video(videos / "a.avi", 1)
    db = tmp_path / "lib.db"
    assert run(capsys, "--db", str(db), "--model", "tiny", "index", "-q", str(videos))[0] == 0
    conn = apsw.Connection(str(db))
    conn.execute("UPDATE meta SET value = 'sixty-four' WHERE key = 'dim'")
    conn.close()
    code, _, err = run(capsys, "--db", str(db), "check")
    assert code == 3 and "vector dimension" in err
    code, _, err = run(capsys, "--db", str(db), "search", "a bar")
    assert code == EXIT_ERROR and "vector dimension" in err and len(err.strip().splitlines()) == 1
