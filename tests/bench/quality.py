"""Retrieval quality on a synthetic captioned video set: chance vs mean pooling vs the distilled student.

A tiny CLIP is first pre-trained on single frames and phrases, then frozen; the student (temporal
transformer + AFA) is distilled from it with TeachCLIP's losses; both are scored on held-out videos
(written as real files and read back through sample_clips) whose captions differ only in the order
of events ("A, then B" vs "B, then A"), which mean pooling cannot tell apart.

    python tests/bench/quality.py [--quick] [--json] [--threads N] [--keep DIR]

Prints one JSON line with chance_r1, meanp_r1, student_r1 (text-to-video R@1, percent) and more.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path


def main() -> int:
    """Run the quality check and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the shortened run the test suite uses")
    parser.add_argument("--json", action="store_true", help="print one JSON line only")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (1: fastest on shared cores)"
    )
    parser.add_argument("--ablate", action="store_true", help="also train a student without the teacher")
    parser.add_argument("--device", default="cpu", help='torch device, e.g. "cuda" (default: cpu)')
    parser.add_argument("--keep", type=Path, help="keep the models and caches in this folder")
    args = parser.parse_args()

    import torch

    from engine.train.quality import FULL, QUICK, run_quality

    torch.set_num_threads(args.threads)
    plan = dataclasses.replace(QUICK if args.quick else FULL, ablate=args.ablate)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        result = run_quality(work, plan, device=args.device, progress=not args.json)
    data = {"plan": "quick" if args.quick else "full", "device": args.device, **result.to_dict()}
    if args.json:
        print(json.dumps(data))
    else:
        print(f"chance R@1   {result.chance_r1:6.1f}")
        print(f"meanP R@1    {result.meanp_r1:6.1f}   (v2t {result.meanp_v2t_r1:.1f})")
        print(f"teacher R@1  {result.teacher_r1:6.1f}")
        if result.no_teacher_r1 is not None:
            print(f"no-teacher student R@1 {result.no_teacher_r1:6.1f}")
        print(f"student R@1  {result.student_r1:6.1f}   (v2t {result.student_v2t_r1:.1f})")
        print(json.dumps(data))
    return 0


if __name__ == "__main__":  # the decoder pool spawns workers that re-import this module
    sys.exit(main())
