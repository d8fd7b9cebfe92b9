/*
 * vip: what the virtual IP resource leaves in its state directory
 * (work/rsc/<resource>/) for its monitor, vipw (monitors/vipw.c).
 */
#ifndef CORE_RESOURCES_VIP_H
#define CORE_RESOURCES_VIP_H

/* The announcer's process name (prctl PR_SET_NAME, /proc/<pid>/comm). */
#define VIP_ANNOUNCER_NAME "clp-vip-rip"
/* State file: the announcer's pid. */
#define VIP_STATE_ANNOUNCER "announcer"
/* State file: its modification time is when the last RIP announcement was
 * sent successfully (rewritten after every one). */
#define VIP_STATE_ANNOUNCED "announced"

#endif
