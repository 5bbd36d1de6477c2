/* SPDX-License-Identifier: BSD-2-Clause */
/* Finding a virtio-serial port by the name QEMU gave it (virtserialport
 * name=...): /sys/class/virtio-ports/vportNpM/name holds it, and the device
 * node is /dev/vportNpM. */
#ifndef VTEE_PORT_H
#define VTEE_PORT_H

#include <stddef.h>

#define VTEE_PORT_SYSFS "/sys/class/virtio-ports"
#define VTEE_PORT_DEV "/dev"

/* out gets dev_dir/DIR for the first DIR of sysfs_dir (in name order) whose
 * file "name" holds name (a trailing newline allowed). TV_OK, TV_ENOENT (no
 * such port, or no sysfs_dir), TV_EINVAL (out too small). */
int vtee_port_find(const char *sysfs_dir, const char *dev_dir, const char *name, char *out,
		   size_t out_size);

#endif
