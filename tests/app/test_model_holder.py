"""The window's ModelHolder is the Qt face of engine.model.cache: the model lives in the cache, once."""

from __future__ import annotations

from app.model_holder import ModelHolder
from app.tasks import TaskRunner
from engine.model.cache import ModelCache

WAIT_MS = 120_000


def _holder(cache: ModelCache) -> tuple[ModelHolder, TaskRunner]:
    runner = TaskRunner()
    return ModelHolder(runner, lambda: "tiny", lambda: "cpu", cache=cache), runner


def test_the_holder_loads_into_the_cache_and_reloads_only_when_forced(qtbot) -> None:
    cache = ModelCache()
    holder, runner = _holder(cache)
    loads: list[str] = []
    holder.loading.connect(lambda spec, _bytes: loads.append(spec))
    assert holder.model is None
    with qtbot.waitSignal(holder.ready, timeout=WAIT_MS) as ready:
        holder.ensure()
    first = ready.args[0]
    assert holder.model is first is cache.peek("tiny", "cpu")
    holder.ensure()  # loaded: nothing to do
    assert loads == ["tiny"] and holder.model is first
    ran: list[bool] = []
    holder.when_ready(lambda: ran.append(True))  # ready now: runs at once
    assert ran == [True]
    with qtbot.waitSignal(holder.ready, timeout=WAIT_MS) as again:
        holder.ensure(force=True)
        assert holder.model is None  # while it reloads, the old one is not handed out
    assert loads == ["tiny", "tiny"]
    assert again.args[0] is not first and holder.model is again.args[0] is cache.peek("tiny", "cpu")
    runner.wait()


def test_a_failed_load_is_reported_and_hands_out_no_model(qtbot, tmp_path) -> None:
    bogus = tmp_path / "weights.bin"
    bogus.write_bytes(b"not a checkpoint")
    holder, runner = _holder(ModelCache())
    with qtbot.waitSignal(holder.failed, timeout=WAIT_MS) as failed:
        holder.ensure(str(bogus))
    assert "weights.bin" in str(failed.args[0])
    assert holder.model is None and holder.error is failed.args[0]
    runner.wait()
