#!/usr/bin/env bash
# textml over Serve against raw CTranslate2 float16 on one GPU (short requests and the seed's path), on a machine
# without network access that has Python 3.12, PyTorch, transformers and CUDA 13 (the packages in have.txt beside
# this file). The rest travels as wheels, in parts of at most 58 MB (docs/benchmarks.md "GPU"):
#   here:   python -m textml.tools.offline_kit --have benchmarks/gpu/have.txt --dest .kit --part-mb 58
#   there:  KIT=.kit bash benchmarks/gpu/run.sh [SECONDS] [OUT]   (with the generated src/textml/protos/*_pb2*.py)
set -euo pipefail
seconds=${1:-10}
out=${2:-benchmarks/gpu}
kit=${KIT:-.kit}
python=${PYTHON:-python3}
site=/tmp/textml-site
wheels=/tmp/textml-wheels

mkdir -p "$wheels"
cp "$kit"/part*/* "$wheels"/
# textml.tools.offline_kit.JOIN: the pieces of a cut wheel joined in order.
(cd "$wheels" && for w in *.piece01; do [ -e "$w" ] || continue; w="${w%.piece01}"; cat "$w".piece?? > "$w" && rm "$w".piece??; done)
"$python" -m pip install --quiet --no-index --no-deps --no-compile --target "$site" "$wheels"/*.whl
export PYTHONPATH="$site:$PWD/src" PATH="$site/bin:$PATH" HF_HUB_OFFLINE=1

# CTranslate2 4.8's wheel loads CUDA 12's cuBLAS by name (libcublas.so.12); where only CUDA 13's is installed it
# runs on that one, found under the CUDA 12 name.
if command -v nvidia-smi >/dev/null && ! "$python" -c "import ctypes; ctypes.CDLL('libcublas.so.12')" 2>/dev/null; then
  cublas=$("$python" -c "import glob, sys; print(next(iter(sorted(p for d in sys.path for p in glob.glob(d + '/nvidia/**/libcublas.so.1[0-9]*', recursive=True))), ''))")
  [ -n "$cublas" ] || { echo "no cuBLAS found: CTranslate2 needs libcublas.so.12" >&2; exit 1; }
  mkdir -p /tmp/textml-cuda12 && ln -sf "$cublas" /tmp/textml-cuda12/libcublas.so.12
  export LD_LIBRARY_PATH="/tmp/textml-cuda12:$(dirname "$cublas")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
"$python" -c "import ctranslate2, ray, textml.apps.text_ml; print('ray', ray.__version__, '| ctranslate2', ctranslate2.__version__, '| GPUs', ctranslate2.get_cuda_device_count())"

# Two Translator replicas and a Summarizer share the GPU (0.3 each); the raw engine runs at its best beside them.
"$python" -m textml.cli.main bench --seconds "$seconds" --systems short root --clients 1 16 64 --out "$out" \
  --set Translator.ray_actor_options.num_gpus=0.3 --set Summarizer.ray_actor_options.num_gpus=0.3
