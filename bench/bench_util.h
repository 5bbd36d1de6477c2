/* SPDX-License-Identifier: BSD-2-Clause */
/* Timing helpers shared by the benchmarks. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>

/* CLOCK_MONOTONIC in microseconds. */
double bench_now_us(void);
/* The median of n samples (sorts v). */
double bench_median(double *v, size_t n);

#endif
