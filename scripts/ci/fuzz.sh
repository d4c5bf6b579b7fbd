#!/bin/sh
# Runs every Go fuzz target of the module for a bounded time each
# (FUZZTIME, default 5s), one target at a time as `go test -fuzz` needs.
# Targets are found, not listed here: each package holding a `func Fuzz…`
# in a _test.go file is asked for its targets with `go test -list`.
# A failure leaves its input under <package>/testdata/fuzz/<Target>/,
# where the plain `go test` then replays it.
set -eu
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-5s}
cd "$(dirname "$0")/../.."
pkgs=$(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '^\./\.cache/' | xargs -n1 dirname | sort -u)
n=0
start=$(date +%s)
for dir in $pkgs; do
	for target in $($GO test -list '^Fuzz' "$dir" | grep '^Fuzz'); do
		echo "fuzz: $dir $target ($FUZZTIME)"
		$GO test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$dir"
		n=$((n + 1))
	done
done
echo "fuzz: $n targets, no failure, $(( $(date +%s) - start )) s"
