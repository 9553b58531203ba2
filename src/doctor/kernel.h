/* SPDX-License-Identifier: BSD-2-Clause */
/* kernel.h - confirm the model's lookups with the kernel (RTM_GETROUTE) */
#ifndef WS_DOCTOR_KERNEL_H
#define WS_DOCTOR_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "doctor/doctor.h"

/*
 * Ask the kernel the same question (as `ip route get DST from SRC [iif
 * DEV] [mark M]`) and compare: success/failure, and on success the type,
 * device (any multipath candidate) and table. Error codes are never
 * compared: they differ between kernel versions for the same drop.
 * @text gets the kernel's answer in `ip route get` words.
 * Return: true when the kernel agrees with @model.
 */
bool dr_kernel_confirm(struct nl *nl, const struct dr_snap *s, const struct dr_flow *fl,
		       bool input, const struct dr_route_res *model, char *text, size_t len);

#endif
