/* SPDX-License-Identifier: BSD-2-Clause */
/* nf5.c - placeholder until the decoder lands */
#include "flow/flow_int.h"

enum flow_err nf5_decode(struct flow_decoder *d, struct cursor *c)
{
	(void)c;
	d->tot.errors[FE_VERSION]++;
	return FE_VERSION;
}
