/* SPDX-License-Identifier: BSD-2-Clause */
/* Inside libteevar: what other modules ask of the unix: transport. */
#ifndef TV_TRANSPORT_UNIX_H
#define TV_TRANSPORT_UNIX_H

#include <stdbool.h>

#include <teevar/store_info.h>
#include <teevar/tee.h>

bool tv_transport_is_unix(const struct tv_transport *t);
/* The limit of one round trip (default 30 s); for tests. */
void tv_transport_unix_set_timeout(struct tv_transport *t, int ms);
/* teevard's STORE_INFO; 0 or a negative errno (-EACCES when refused). */
int tv_transport_unix_store_info(const struct tv_transport *t, struct tv_store_info *out);
/* STORE_CHECK and STORE_RECOVER; the errnos of store_info.h. */
int tv_transport_unix_store_check(const struct tv_transport *t, struct tv_store_check_report *out);
int tv_transport_unix_store_recover(const struct tv_transport *t, struct tv_store_recovery *out);

#endif
