#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# icmp_tools_v4.sh - wanscope ping/traceroute/mtr over IPv4, unprivileged, in namespaces
FAM=4
. "$(dirname "$0")/icmp_tools.bash"
