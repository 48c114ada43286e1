"""The messages of issue 14: offline results, odd --image targets, conflicting inputs, system roots,
control characters in names, folders removed while indexing."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import cv2
import pytest

from engine.cli import EXIT_ERROR, main
from engine.indexing import Indexer, IndexProgress, Phase
from engine.store import LibraryStore
from tests.engine.indexing.conftest import pattern_frame, write_video

EVIL = "evil\x1b[31mred\nnext\u202e.avi"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("lib")
    videos = base / "videos"
    write_video(videos / "one.avi", 1)
    write_video(videos / EVIL, 2)
    db = base / "lib.db"
    with pytest.raises(SystemExit) as exc:
        main(["--db", str(db), "--model", "tiny", "index", "-q", str(videos)])
    assert exc.value.code in (0, None)
    return db, videos


def test_results_from_an_offline_folder_are_marked_and_can_be_hidden(tmp_path: Path, capsys) -> None:
    drive = tmp_path / "drive"
    write_video(drive / "trip.avi", 3)
    db = tmp_path / "lib.db"
    assert run(capsys, "--db", str(db), "--model", "tiny", "index", "-q", str(drive))[0] == 0
    code, out, _ = run(capsys, "--db", str(db), "search", "a bar", "--json")
    assert code == 0 and [r["offline"] for r in json.loads(out)] == [False]
    drive.rename(tmp_path / "unplugged")
    code, out, _ = run(capsys, "--db", str(db), "search", "a bar", "--json")
    assert code == 0 and [r["offline"] for r in json.loads(out)] == [True]
    code, out, _ = run(capsys, "--db", str(db), "search", "a bar")
    assert code == 0 and "[offline]" in out
    code, out, _ = run(capsys, "--db", str(db), "search", "a bar", "--hide-offline", "--json")
    assert code == 0 and json.loads(out) == []
    # Listed as offline at once, without waiting for the next scan.
    code, out, _ = run(capsys, "--db", str(db), "folders", "list", "--json")
    assert code == 0 and json.loads(out)[0]["online"] is False
    code, out, _ = run(capsys, "--db", str(db), "status", "--json")
    status = json.loads(out)
    assert status["folders"][0]["online"] is False and status["videos"]["offline"] == 1
    code, out, _ = run(capsys, "--db", str(db), "folders", "list")
    assert "OFFLINE" in out


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_an_image_that_is_a_pipe_or_a_device_gets_the_right_sentence(
    lib, tmp_path: Path, capsys, kind
) -> None:
    db, _ = lib
    if kind == "fifo":
        target = tmp_path / "pipe.png"
        os.mkfifo(target)
    else:
        target = Path("/dev/zero")
    code, _, err = run(capsys, "--db", str(db), "search", "--image", str(target))
    assert code == EXIT_ERROR and "not an image file" in err and "does not exist" not in err


@pytest.mark.parametrize("extra", [["a dog", "--like", "1"], ["--like", "1", "--image", "IMG"]])
def test_two_kinds_of_query_at_once_are_a_usage_error(lib, tmp_path: Path, capsys, extra) -> None:
    db, _ = lib
    image = tmp_path / "q.png"
    cv2.imwrite(str(image), pattern_frame(1))
    args = [str(image) if a == "IMG" else a for a in extra]
    code, _, err = run(capsys, "--db", str(db), "search", *args)
    assert code == 2 and "one of" in err.lower()


@pytest.mark.parametrize("root", ["/", "/usr", "/proc"])
def test_system_roots_are_refused_as_library_folders(tmp_path: Path, capsys, root: str) -> None:
    db = tmp_path / "lib.db"
    code, _, err = run(capsys, "--db", str(db), "folders", "add", root)
    assert code == EXIT_ERROR and "cannot be a library folder" in err
    with LibraryStore.open(db) as store:
        assert store.list_folders() == []


def test_control_characters_in_names_are_escaped_in_text_not_in_json(lib, capsys) -> None:
    db, videos = lib
    code, out, _ = run(capsys, "--db", str(db), "search", "a bar", "-k", "5")
    assert code == 0 and "\x1b" not in out and "\u202e" not in out and "\\x1b[31mred\\nnext" in out
    assert all(line.split(".")[0].strip().isdigit() for line in out.strip().splitlines()), out
    code, out, _ = run(capsys, "--db", str(db), "search", "a bar", "-k", "5", "--json")
    assert str(videos / EVIL) in [r["path"] for r in json.loads(out)]
    code, out, _ = run(capsys, "--db", str(db), "status")
    assert "\x1b" not in out


def test_a_folder_removed_while_indexing_logs_no_error(tmp_path: Path, caplog) -> None:
    from engine.model import load_model

    videos = tmp_path / "videos"
    for seed in range(3):
        write_video(videos / f"v{seed}.avi", seed)
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        store.add_folder(videos)
    removed: list[bool] = []

    def remove_after_first(progress: IndexProgress) -> None:
        if progress.phase == Phase.INDEXING and progress.videos_done >= 1 and not removed:
            with LibraryStore.open(db) as other:
                other.remove_folder(videos)
            removed.append(True)

    indexer = Indexer(
        db, model=load_model("tiny", device="cpu"), on_progress=remove_after_first, decode_workers=1
    )
    with caplog.at_level(logging.INFO):
        indexer.run()
    assert removed
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    with LibraryStore.open(db) as store:
        assert store.videos() == [] and store.check() == []
