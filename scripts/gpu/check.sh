#!/usr/bin/env bash
# kenn's GPU checks, for a Linux machine with an NVIDIA GPU (none is
# reachable from the machine kenn is developed on, so CUDA is reported
# there as skipped with its reason, never as passed):
#
#   1. kenn info --devices: the library must offer CUDAExecutionProvider
#      with its provider libraries beside it;
#   2. the conformance suite (internal/conformance) with its CUDA backend
#      on $DEVICE: every model kind × exported file must PASS on it —
#      a skip of the CUDA backend fails this script;
#   3. runtime's TestCUDAProvider;
#   4. make bench-runtime with --device $DEVICE (writes docs/bench-runtime-cuda0.md).
#
# What to bring (docs/runtimes.md, "CUDA"): a GPU build of onnxruntime
# 1.24 or later (kenn speaks ORT C API 24, onnxruntime_go v1.27), e.g.
# microsoft/onnxruntime's release onnxruntime-linux-x64-gpu_cuda12-1.30.0.tgz,
# and the CUDA 12.x and cuDNN 9.x libraries it was built for on
# LD_LIBRARY_PATH, with an NVIDIA driver for CUDA 12 (>= 525).
#
#   ORT_GPU=/opt/onnxruntime-linux-x64-gpu-1.30.0 scripts/gpu/check.sh
#
# ORT_GPU is the unpacked release (its lib/ holds libonnxruntime.so.1,
# libonnxruntime_providers_shared.so and libonnxruntime_providers_cuda.so);
# or set ONNXRUNTIME_SHARED_LIBRARY_PATH to the libonnxruntime.so.1 itself.
# Logs go to out/gpu/. make test's other prerequisites (make ort node-ort
# web-deps deps-python) are needed for the suite's CPU backends.
set -euo pipefail
cd "$(dirname "$0")/../.."
DEVICE=${DEVICE:-cuda:0}
GO=${GO:-go}
if [ -z "${ONNXRUNTIME_SHARED_LIBRARY_PATH:-}" ]; then
	[ -n "${ORT_GPU:-}" ] || { echo "scripts/gpu/check.sh: set ORT_GPU to an unpacked onnxruntime GPU release, or ONNXRUNTIME_SHARED_LIBRARY_PATH to its libonnxruntime.so.1 (docs/runtimes.md, \"CUDA\")" >&2; exit 2; }
	export ONNXRUNTIME_SHARED_LIBRARY_PATH="$ORT_GPU/lib/libonnxruntime.so.1"
fi
[ -f "$ONNXRUNTIME_SHARED_LIBRARY_PATH" ] || { echo "scripts/gpu/check.sh: $ONNXRUNTIME_SHARED_LIBRARY_PATH: no such file" >&2; exit 2; }
mkdir -p out/gpu
command -v nvidia-smi >/dev/null && nvidia-smi -L | tee out/gpu/gpus.txt

echo "== 1. kenn info --devices"
$GO build -o out/gpu/kenn ./cmd/kenn
out/gpu/kenn info --devices | tee out/gpu/devices.txt
grep -q "CUDAExecutionProvider on GPU" out/gpu/devices.txt || { echo "FAIL: the library offers no loadable CUDA provider (out/gpu/devices.txt)" >&2; exit 1; }

echo "== 2. the conformance suite on $DEVICE"
$GO test -count=1 -run TestConformance -v ./internal/conformance -args -cuda "$DEVICE" 2>&1 | tee out/gpu/conformance.log
grep -q "^ok" out/gpu/conformance.log || { echo "FAIL: the conformance suite (out/gpu/conformance.log)" >&2; exit 1; }
if grep -q -- "--- SKIP: TestConformance/onnxruntime_(Go,_$DEVICE)" out/gpu/conformance.log; then
	echo "FAIL: the CUDA backend was skipped: $(grep -m1 'onnxruntime (Go, '"$DEVICE"') cannot start' out/gpu/conformance.log)" >&2
	exit 1
fi
grep -c -- "--- PASS: TestConformance/onnxruntime_(Go,_$DEVICE)/" out/gpu/conformance.log | sed 's/$/ files passed on '"$DEVICE"'/'

echo "== 3. runtime's CUDA test"
$GO test -count=1 -run TestCUDAProvider -v ./runtime 2>&1 | tee out/gpu/runtime-cuda.log
grep -q -- "--- PASS: TestCUDAProvider" out/gpu/runtime-cuda.log || { echo "FAIL: TestCUDAProvider did not pass (out/gpu/runtime-cuda.log)" >&2; exit 1; }

echo "== 4. make bench-runtime on $DEVICE"
KENN_DEVICE="$DEVICE" make bench-runtime 2>&1 | tee out/gpu/bench-runtime.log
echo "scripts/gpu/check.sh: all GPU checks passed on $DEVICE; logs in out/gpu/"
