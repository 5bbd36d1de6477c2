/* SPDX-License-Identifier: BSD-2-Clause */
/* Plugs the client library into the conformance suite: the test provides open,
 * close and a way to find the tv_client in its context. */
#ifndef CONFORMANCE_CLIENT_H
#define CONFORMANCE_CLIENT_H

#include <teevar/client.h>

#include "conformance.h"

void conformance_client_ops(struct conf_ops *ops, struct tv_client *(*client)(void *ctx));

#endif
