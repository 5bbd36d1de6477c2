/* SPDX-License-Identifier: BSD-2-Clause */
#include "port.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tv_err.h"

/* Does sysfs_dir/entry/name hold name? */
static bool name_matches(const char *sysfs_dir, const char *entry, const char *name)
{
	char path[4096], buf[256];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s/name", sysfs_dir, entry) >= sizeof(path))
		return false;
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return strcmp(buf, name) == 0;
}

int vtee_port_find(const char *sysfs_dir, const char *dev_dir, const char *name, char *out,
		   size_t out_size)
{
	struct dirent **list;
	int n = scandir(sysfs_dir, &list, NULL, alphasort);
	if (n < 0)
		return TV_ENOENT;
	int rc = TV_ENOENT;
	for (int i = 0; i < n; i++) {
		const char *e = list[i]->d_name;
		if (rc == TV_ENOENT && e[0] != '.' && name_matches(sysfs_dir, e, name))
			rc = (size_t)snprintf(out, out_size, "%s/%s", dev_dir, e) < out_size ? TV_OK
											: TV_EINVAL;
		free(list[i]);
	}
	free(list);
	return rc;
}
