"""The `glimpse` command line: exit codes, JSON shapes, one-line errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from engine.cli import EXIT_CHECK_FAILED, EXIT_ERROR, main
from tests.engine.indexing.conftest import write_video


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.fixture
def indexed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    root = tmp_path / "videos"
    write_video(root / "one.avi", 11)
    write_video(root / "two.avi", 12, seconds=5.0)
    (root / "junk.mp4").write_bytes(b"this is not a video at all" * 50)
    db = tmp_path / "lib.db"
    code, out, err = run(capsys, "--db", str(db), "--model", "tiny", "index", "--json", str(root))
    assert code == 0, err
    summary = json.loads(out)
    assert summary["indexed"] == 2
    assert [Path(f["path"]).name for f in summary["failed"]] == ["junk.mp4"]
    assert summary["failed"][0]["reason"]
    return db, root


def test_status_json_shape(indexed, capsys) -> None:
    db, root = indexed
    code, out, _ = run(capsys, "--db", str(db), "status", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["videos"] == {"indexed": 2, "failed": 1, "pending": 0, "offline": 0}
    assert data["clips"] >= 2
    assert [Path(f["path"]).name for f in data["failed"]] == ["junk.mp4"]
    assert data["model"] == "tiny" and data["db"] == str(db)
    assert data["reindex_needed"] is False
    assert data["videos_without_frame_features"] == 0
    assert data["vector_index"]["state"] == "none"  # a small library is searched exactly
    code, out, _ = run(capsys, "--db", str(db), "--model", "ViT-B-32-quickgelu:openai", "status", "--json")
    assert code == 0 and json.loads(out)["reindex_needed"] is True


def test_search_json_uses_the_library_model(indexed, capsys) -> None:
    db, root = indexed
    code, out, err = run(capsys, "--db", str(db), "search", "a red bar moving", "-k", "5", "--json")
    assert code == 0, err
    results = json.loads(out)
    assert 1 <= len(results) <= 5
    for r in results:
        assert set(r) == {"path", "start", "end", "best_t", "score", "frames", "copies", "offline"}
        assert r["offline"] is False
        assert Path(r["path"]).parent == root and r["start"] < r["end"]
        assert r["start"] <= r["best_t"] <= r["end"]
        assert all(set(f) == {"t", "weight", "relevance"} for f in r["frames"])
        assert all(isinstance(f["relevance"], float) for f in r["frames"])
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    code, out, err = run(capsys, "--db", str(db), "search", "a red bar moving", "-k", "1")
    assert code == 0, err
    best = results[0]
    moment = f"@ {int(best['best_t']) // 60:02d}:{int(best['best_t']) % 60:02d} ("
    assert Path(best["path"]).name in out and moment in out


def test_check_and_folders(indexed, capsys, tmp_path: Path) -> None:
    db, root = indexed
    assert run(capsys, "--db", str(db), "check")[0] == 0
    code, out, _ = run(capsys, "--db", str(db), "folders", "list", "--json")
    assert code == 0 and json.loads(out)[0]["path"] == str(root) and json.loads(out)[0]["videos"] == 3
    other = tmp_path / "other"
    other.mkdir()
    assert run(capsys, "--db", str(db), "folders", "add", str(other), "--exclude", "*.tmp")[0] == 0
    folders = json.loads(run(capsys, "--db", str(db), "folders", "list", "--json")[1])
    assert {f["path"]: f["excludes"] for f in folders}[str(other)] == ["*.tmp"]
    assert run(capsys, "--db", str(db), "folders", "remove", str(root))[0] == 0
    status = json.loads(run(capsys, "--db", str(db), "status", "--json")[1])
    assert status["videos"]["indexed"] == 0 and status["clips"] == 0


def test_errors_are_one_clear_line(tmp_path: Path, capsys) -> None:
    db = tmp_path / "lib.db"
    code, out, err = run(capsys, "--db", str(db), "index", str(tmp_path / "missing"))
    assert code != 0 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "--db", str(db), "reindex")
    assert code != 0 and "no folders" in err.lower()
    bad = tmp_path / "garbage.db"
    bad.write_bytes(os.urandom(8192))
    code, _, err = run(capsys, "--db", str(bad), "status")
    assert code == EXIT_ERROR and err.startswith("Error: ") and len(err.strip().splitlines()) == 1


def test_blank_query_is_refused(indexed, capsys) -> None:
    db, _ = indexed
    code, _, err = run(capsys, "--db", str(db), "search", "   ")
    assert code == EXIT_ERROR and err.startswith("Error: ") and "Traceback" not in err


def test_check_reports_problems_with_exit_3(indexed, capsys) -> None:
    import apsw

    db, _ = indexed
    conn = apsw.Connection(str(db))
    conn.execute("DELETE FROM clips WHERE id = (SELECT MIN(id) FROM clips)")  # orphan a vector row
    conn.close()
    code, _, err = run(capsys, "--db", str(db), "check")
    assert code == EXIT_CHECK_FAILED and "problem" in err


def test_search_of_an_empty_library_says_so_without_loading_a_model(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    import engine.model

    def no_model(*_a, **_k):
        raise AssertionError("no model is needed to search an empty library")

    monkeypatch.setattr(engine.model, "load_model", no_model)
    (tmp_path / "videos").mkdir()
    assert run(capsys, "--db", str(tmp_path / "lib.db"), "folders", "add", str(tmp_path / "videos"))[0] == 0
    code, out, err = run(capsys, "--db", str(tmp_path / "lib.db"), "search", "a dog on the beach")
    assert code == 0 and "No matching moments." in out and "no indexed videos" in err


def test_check_of_a_damaged_database_reports_a_problem_with_exit_3(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "garbage.db"
    bad.write_bytes(os.urandom(8192))
    code, _, err = run(capsys, "--db", str(bad), "check")
    assert code == EXIT_CHECK_FAILED and err.startswith("problem: ") and "damaged" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
