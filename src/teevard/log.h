/* SPDX-License-Identifier: BSD-2-Clause */
/* teevard's log: one line per event on stderr, "teevard: ..." (journald adds time). */
#ifndef TVD_LOG_H
#define TVD_LOG_H

void tvd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
