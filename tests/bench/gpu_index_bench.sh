#!/usr/bin/env bash
# Issue #13 item 8, in one prepared run on a lent GPU machine (device tool): index 1080p phone footage
# (H.264, a keyframe a second) with ViT-B/32 on CUDA; goal >= 1,000 s of video per second.
# It installs what it needs from .whl/ (the machine has no network; .whl/ is ignored by git and named in the
# device tool's `carry`), generates the footage with PyAV (no ffmpeg CLI needed), and measures decoding on
# NVDEC (GLIMPSE_HWACCEL=cuda, PyAV's hwaccel) and in software (GLIMPSE_HWACCEL=off) with 8 and 14 decode
# workers. Make .whl/ here once (Python 3.12 there):
#   for p in av==18.1.0 open_clip_torch==3.3.0 apsw==3.54.1.0 sqlite-vec==0.1.9 ftfy==6.3.1 wcwidth==0.9.4 \
#            platformdirs==4.14.8 watchdog==7.1.0; do
#     python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#       --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
#       --platform manylinux1_x86_64 -d .whl "$p"; done
# Run (device tool): run(command="bash tests/bench/gpu_index_bench.sh", carry=[".whl"], timeout_s=600)
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
  || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi -L; nproc
python3 -c "import av, av.codec.hwaccel as h; print('PyAV', av.__version__, 'FFmpeg', av.ffmpeg_version_info, h.hwdevices_available())"
# The first run generates the footage (untimed) and caches it in /tmp/vids for the others.
VIDS=(--videos 16 --seconds 60 --size 1920x1080 --gop 30 --dir /tmp/vids)
for hw in cuda off; do
  for workers in 8 14 0; do  # 0: the indexer's default on a GPU (all cores but one, at most 16)
    GLIMPSE_HWACCEL=$hw python3 tests/bench/index_bench.py --model vit-b-32 --device cuda "${VIDS[@]}" \
      --workers "$workers" --json 2>&1 | grep -v WARN | sed "s/^{/{\"hwaccel\": \"$hw\", /" | tee -a "$OUT/index_gpu.jsonl"
  done
done
