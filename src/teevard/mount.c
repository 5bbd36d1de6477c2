/* SPDX-License-Identifier: BSD-2-Clause */
#include "mount.h"

#include <teevar/store_info.h>

#include "log.h"
#include "state_dir.h"
#include "tv_err.h"

void tvd_after_mount(const struct tvd_config *cfg, struct tv_secure *sec)
{
	if (cfg->boot_phase != TVD_BOOT_PHASE_RUNTIME)
		return;
	struct tv_varsvc *svc = tv_secure_varsvc(sec);
	/* In RAM only: these cannot fail on a mounted service in boot services. */
	(void)tv_varsvc_ready_to_boot(svc);
	(void)tv_varsvc_exit_boot_services(svc);
	tvd_log("--boot-phase runtime: ready-to-boot and exit-boot-services done");
}

int tvd_mount(const struct tvd_config *cfg, struct tv_secure *sec, const struct tvd_peer *by)
{
	tv_err_clear_detail();
	int rc = tv_secure_mount(sec);
	if (rc != TV_OK) {
		const char *d = tv_err_detail();
		if (rc == TV_EKEY && !cfg->provision_key)
			d = "the device has no RPMB key or another one (a device that is not "
			    "keyed yet needs --provision-rpmb-key, once)";
		else if (rc == TV_EKEY && tv_state_provisioned(cfg->state_dir))
			d = "the device has no RPMB key or another one, and this state directory "
			    "keyed a device before: the key is not sent again (tee-supplicant's "
			    "emulated RPMB loses its key and data with every restart: such a "
			    "device needs a new state directory)";
		tvd_log("mounting the store through uid %u pid %d failed: %s; the next session "
			"tries again", (unsigned)by->uid, (int)by->pid, *d ? d : tv_strerror(rc));
		return rc;
	}
	struct tv_store_info si;
	tv_secure_store_info(sec, &si);
	tvd_log("store mounted through uid %u pid %d (rpmb route rpc): %u variables, %u RPMB "
		"blocks, %u per write, write counter %u", (unsigned)by->uid, (int)by->pid,
		si.var_count, si.rpmb_blocks, si.blocks_per_write, si.write_counter);
	if (si.damaged)
		tvd_log("the variable store is damaged (%u place(s), the first at RPMB block %u): "
			"what verifies is served, writes are refused",
			si.damage_count, si.first_damage_block);
	tvd_after_mount(cfg, sec);
	return TV_OK;
}
