#!/usr/bin/env bash
# A separate environment for benchmarks/compare_fer.py: the `fer` package (the usual peer) beside
# moodtui. fer's own requirements pull facenet-pytorch (an old torch, several GB) and a non-headless
# OpenCV that fails without libGL; neither is needed for FER(mtcnn=False), so fer goes in with
# --no-deps and its real imports are installed by hand, with the headless OpenCV.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv benchmarks/.fer-venv
benchmarks/.fer-venv/bin/pip install -q --upgrade pip
benchmarks/.fer-venv/bin/pip install -q tensorflow-cpu "opencv-python-headless<5" pandas tqdm requests pillow \
    "setuptools<81" matplotlib -e .
benchmarks/.fer-venv/bin/pip install -q --no-deps fer==25.10.3
benchmarks/.fer-venv/bin/python -c "from fer.fer import FER; FER(mtcnn=False); print('fer ready')"
