#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# icmp_proxy_dtls.sh - the troubleshooting paths of icmp_proxy_paths.sh
# (ping, traceroute -I, mtr through edge and connector; connector down;
# destination dropping echoes) over the DTLS 1.2 transport
# (--transport dtls) instead of the default QUIC.
export PX_TRANSPORT=dtls
exec bash "$(dirname "$0")/icmp_proxy_paths.sh"
