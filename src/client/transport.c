/* SPDX-License-Identifier: BSD-2-Clause */
/* Releasing a transport, whichever it is. */
#include <teevar/transport.h>

#include <string.h>

void tv_transport_destroy(struct tv_transport *t)
{
	if (!t)
		return;
	if (t->ops && t->ops->destroy)
		t->ops->destroy(t->ctx);
	memset(t, 0, sizeof(*t));
}
