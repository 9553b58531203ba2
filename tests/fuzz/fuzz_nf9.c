/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_nf9.c - NetFlow v9 decoder: a sequence of packets into one decoder */
#define FUZZ_VERSION 9
#define FUZZ_PROTO FLOW_PROTO_NF9
#include "fuzz_flowseq.h"
