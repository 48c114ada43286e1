"""Pure helpers: time formatting, clipboard text, settings persistence, system player commands."""

from __future__ import annotations

import json

from app.formatting import format_eta, format_range, format_time, path_with_timestamp
from app.settings import AppSettings
from app.system_player import player_command


def test_times_and_ranges():
    assert format_time(83.9) == "01:23"
    assert format_time(3723) == "1:02:03"
    assert format_time(float("nan")) == "00:00"
    assert format_range(83, 95) == "01:23\u201301:35"
    assert format_eta(None) == ""
    assert format_eta(30) == "about 30 s left"
    assert format_eta(600) == "about 10 min left"
    assert path_with_timestamp("/v/a.mp4", 83.2) == "/v/a.mp4 @ 01:23"


def test_settings_round_trip_and_bad_file(glimpse_home):
    s = AppSettings(model_spec="tiny", device="cpu", sample_fps=2.0, clip_seconds=6.0, watch_folders=False)
    s.save()
    loaded = AppSettings.load()
    assert loaded == s
    assert loaded.max_frames == 12
    assert AppSettings.path().parent == glimpse_home
    AppSettings.path().write_text("{not json", encoding="utf-8")
    assert AppSettings.load() == AppSettings()
    AppSettings.path().write_text(json.dumps({"device": "quantum", "sample_fps": 1000.0, "results_k": "x"}))
    odd = AppSettings.load()
    assert odd.device == "auto" and odd.sample_fps == 10.0 and odd.results_k == AppSettings().results_k


def test_player_command_prefers_players_that_take_a_start_time():
    found = {"vlc": "/usr/bin/vlc"}
    assert player_command("/v/a.mp4", 83.5, which=found.get) == [
        "/usr/bin/vlc",
        "--start-time=83.500",
        "/v/a.mp4",
    ]
    found["mpv"] = "/usr/bin/mpv"
    assert player_command("/v/a.mp4", 83.5, which=found.get)[:2] == ["/usr/bin/mpv", "--start=83.500"]
    assert player_command("/v/a.mp4", 1.0, which=lambda _n: None) is None
