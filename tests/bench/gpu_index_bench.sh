#!/usr/bin/env bash
# One prepared run on a lent GPU machine (device tool): indexing throughput with ViT-B/32 in half precision.
# The machine has no network; .whl/ (ignored by git, named in the device tool's `carry`) brings the wheels its
# image lacks. Make it here once (Python 3.12 there):
#   for p in open_clip_torch==3.3.0 apsw==3.54.1.0 sqlite-vec==0.1.9 ftfy==6.3.1 wcwidth==0.9.4 \
#            platformdirs==4.14.8 watchdog==7.1.0; do
#     python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#       --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
#       --platform manylinux1_x86_64 -d .whl "$p"; done
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
  || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi -L; nproc; command -v ffmpeg || echo "no ffmpeg: videos are MPEG-4 Part 2 from OpenCV"
for workers in 4 8; do
  python3 tests/bench/index_bench.py --model vit-b-32 --device cuda --videos 12 --seconds 30 --size 1280x720 \
    --dir /tmp/vids --workers "$workers" --json 2>&1 | grep -v WARN | tee -a "$OUT/index_gpu.jsonl"
done
python3 tests/bench/index_bench.py --model tiny --device cuda --videos 12 --seconds 30 --size 1280x720 --dir /tmp/vids --json \
  2>&1 | grep -v WARN | tee -a "$OUT/index_gpu.jsonl"
