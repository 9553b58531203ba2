#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# config_errors.sh WANSCOPE DIR - every DIR/NAME.in must be rejected by
# `wanscope probe --config NAME.in -n` with exactly the lines of NAME.err
# on stderr (paths shown relative to DIR); every DIR/NAME.ok must be
# accepted, and its canonical printout (-nv) must parse again to itself.
set -u
ws=$(realpath "$1") dir=$2 fail=0 n=0
cd "$dir" || exit 1
for in in *.in; do
	n=$((n + 1))
	want=${in%.in}.err
	got=$("$ws" probe --config "$in" -n 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" != 1 ]; then
		echo "FAIL $in: exit $rc, expected 1"; fail=1; continue
	fi
	if [ "$got" != "$(cat "$want")" ]; then
		echo "FAIL $in:"; diff <(cat "$want") <(echo "$got"); fail=1
	fi
done
for ok in *.ok; do
	n=$((n + 1))
	a=$("$ws" probe --config "$ok" -nv) || { echo "FAIL $ok: rejected"; fail=1; continue; }
	b=$("$ws" probe --config /dev/stdin -nv <<<"$a") || { echo "FAIL $ok: printout rejected"; fail=1; continue; }
	[ "$a" = "$b" ] || { echo "FAIL $ok: printout does not round-trip"; diff <(echo "$a") <(echo "$b"); fail=1; }
done
echo "$n config cases checked"
exit $fail
