#!/usr/bin/env bash
# make demo: the main job end to end on the committed testdata, in a few
# minutes on 2 cores. Exact W2² ground truth → train a small ODE-KENN
# (block mode) → export to ONNX → onnxruntime pairwise matrix → evaluate
# against exact on test digits the model never saw (early stopping uses
# other test digits). Artifacts stay in $OUT.
set -euo pipefail
cd "$(dirname "$0")/../.."
KENN=${KENN:-bin/kenn}
OUT=${OUT:-demo-out}
TRAIN=testdata/mnist-train-images-idx3-ubyte
TEST=testdata/mnist-test-images-idx3-ubyte
mkdir -p "$OUT"
now() { date +%s%N; }
secs() { echo "$(( ($(now) - $1) / 1000000 ))" | awk '{printf "%.1f", $1/1000}'; }

# testdata is grouped by class: every 4th image samples all ten digits
s=$(now); $KENN pairs --images $TRAIN --all --every 4 -o "$OUT/train-pairs.txt"; t_pairs=$(secs $s)
$KENN pairs --images $TEST --all --every 4 -o "$OUT/test-pairs.txt"            # scored at the end
$KENN pairs --images $TEST --all --every 4 --skip 2 -o "$OUT/val-pairs.txt"    # early stopping
s=$(now); $KENN train --model odekenn --steps 4 --pairs "$OUT/train-pairs.txt" --val "$OUT/val-pairs.txt" \
	--epochs ${EPOCHS:-80} --batch 48 --patience 8 -o "$OUT/odekenn.ckpt" > "$OUT/train-metrics.txt"; t_train=$(secs $s)
$KENN export "$OUT/odekenn.ckpt" -o "$OUT/odekenn.onnx" 2>/dev/null
s=$(now); $KENN pairwise --model "$OUT/odekenn.onnx" --images $TEST -o "$OUT/test-pairwise.npy"; t_pw=$(secs $s)
$KENN eval --model "$OUT/odekenn.onnx" --images $TEST --pairs "$OUT/test-pairs.txt" > "$OUT/eval.txt"

get() { awk -v k="$1" '$1 == k {print $2}' "$OUT/eval.txt"; }
echo
echo "kenn demo — $(nproc) cores, artifacts in $OUT/"
echo
echo "| step | result |"
echo "|---|---|"
echo "| exact W2² (network simplex) | all 31,125 pairs of 250 MNIST train digits (25 per class) in ${t_pairs} s |"
echo "| train ODE-KENN (block mode) | ${t_train} s, $(awk '$1 == "best_epoch" {print $2}' "$OUT/train-metrics.txt") epochs to the best validation |"
echo "| export | $OUT/odekenn.onnx, odekenn.pairwise.onnx, odekenn.pair.onnx |"
echo "| onnxruntime pairwise | 500×500 test matrix in ${t_pw} s → $OUT/test-pairwise.npy |"
echo "| vs exact, all 7,750 pairs of 125 unseen test digits | Pearson $(get pearson), Spearman $(get spearman), relative MSE on W2² $(get rel_mse_w2sq), kNN recall@10 $(get knn_recall) |"
