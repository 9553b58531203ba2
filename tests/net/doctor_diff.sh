#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# doctor_diff.sh - differential test: the doctor's FIB/rp_filter model against
# the kernel (`ip route get`) on 220 random namespace configurations, 30
# random lookups each. Env: DOCTOR_DIFF_CONFIGS, DOCTOR_DIFF_SEED.
set -u
W=${WANSCOPE:-build/wanscope}
P=ws-doc-$$
cleanup() {
	for n in $(ip netns list | awk '{print $1}' | grep "^$P-"); do ip netns del "$n"; done
}
trap cleanup EXIT
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3) || { echo "python3 not installed"; exit 77; }
W=$(readlink -f "$W")
exec_args=("$W" "$P" "${DOCTOR_DIFF_CONFIGS:-220}" 30)
[ -n "${DOCTOR_DIFF_SEED:-}" ] && exec_args+=("$DOCTOR_DIFF_SEED")
$PY "$(dirname "$0")/doctor_diff.py" "${exec_args[@]}"
