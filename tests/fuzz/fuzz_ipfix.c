/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_ipfix.c - IPFIX decoder: a sequence of messages into one decoder */
#define FUZZ_VERSION 10
#define FUZZ_PROTO FLOW_PROTO_IPFIX
#include "fuzz_flowseq.h"
