// SPDX-License-Identifier: BSD-2-Clause
/* The names one walk of GetNextVariableName returned (efivarfs_seen.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "efivarfs_seen.h"

static uint64_t hash(const char *key)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	return h;
}

/* The slot of key, or the free slot where it would go. */
static char **find(char **slot, size_t cap, const char *key)
{
	size_t i = (size_t)hash(key) & (cap - 1);
	while (slot[i] && strcmp(slot[i], key) != 0)
		i = (i + 1) & (cap - 1);
	return &slot[i];
}

static int grow(struct tv_efivarfs_seen *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	char **slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i])
			*find(slot, cap, s->slot[i]) = s->slot[i];
	free(s->slot);
	s->slot = slot;
	s->cap = cap;
	return 0;
}

int tv_efivarfs_seen_add(struct tv_efivarfs_seen *s, const char *key)
{
	/* At most half full: probes stay short and a free slot always exists. */
	if ((s->count + 1) * 2 > s->cap && grow(s) != 0)
		return -ENOMEM;
	char **at = find(s->slot, s->cap, key);
	if (*at)
		return 0;
	if (!(*at = strdup(key)))
		return -ENOMEM;
	s->count++;
	return 1;
}

void tv_efivarfs_seen_clear(struct tv_efivarfs_seen *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
	*s = (struct tv_efivarfs_seen){0};
}
