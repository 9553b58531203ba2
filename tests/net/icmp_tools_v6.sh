#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# icmp_tools_v6.sh - wanscope ping/traceroute/mtr over IPv6, unprivileged, in namespaces
FAM=6
. "$(dirname "$0")/icmp_tools.bash"
