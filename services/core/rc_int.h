/*
 * rc_int: the state rc.c (local execution), rc_master.c (decisions) and
 * rc_persist.c (work/ file) share. Not for other modules.
 */
#ifndef CORE_RC_INT_H
#define CORE_RC_INT_H

#include "child.h"
#include "rc.h"
#include "rsc.h"

typedef enum { LOP_NONE = 0, LOP_ACTIVATE, LOP_DEACTIVATE } lop_t;

typedef struct {
    const clp_resource_t *conf;
    const rsc_type_t *type; /* NULL: not implemented by this product */
    int group;
    Clp__GroupState state;
    child_t *child;
    int retries;
    int fo_done;
    uint64_t deps; /* bit i: depends on member i of its group */
    int member;    /* its index among the group's members */
    char msg[256];
} rrt_t;

typedef enum {
    M_START = 1,
    M_STOP,
    M_MOVE,
    M_FAILOVER,
    M_RESTART,
    M_TAKEOVER,
    M_FAILBACK,
    M_RSC_START, /* clprsc -s */
    M_RSC_STOP,  /* clprsc -t */
} mkind_t;

typedef struct mop {
    mkind_t kind;
    int phase;     /* 0: stopping at source, 1: starting at target */
    int source;
    int target;
    uint64_t op_id;
    uint64_t exclude;
    bool force;
    char requester[96];
    char cause[96];
    char resource[64]; /* M_RESTART of one resource */
    clp_srv_req_t *waiter; /* reply when done (wait_ms > 0), else NULL */
    uint64_t started;
    uint64_t shown_since; /* the step's server has shown the step done since (no answer yet) */
} mop_t;

typedef struct {
    const clp_group_t *conf;
    int index;
    int *members; /* indices into rc->rsc */
    int n_members;
    Clp__GroupState local;
    lop_t op;
    uint64_t op_id;
    int op_origin;           /* server that commanded the operation (its master), -1 local */
    bool handoff;            /* stopping this server: a failover elsewhere was requested */
    bool lost;               /* was active here, found broken after a restart: to fail over */
    uint64_t lost_blocked;   /* master: its failover found no destination with this
                              * placement signature; tried again once it changes */
    uint64_t lost_at;        /* servers reporting it lost (their briefs) */
    core_t *rc_core;         /* for callbacks that only get the group */
    char event[16];
    char factor[24];
    bool want_failover;  /* activation failed: waiting for the master's answer */
    bool probing;        /* restarted core: its resources are being probed (rc_persist);
                          * announced as Online Pending until they answer */
    bool stop_after;     /* final action "stop group" once in-flight children end */
    bool halted;         /* final action "do not activate next" */
    int failed_member;   /* member whose failure drives the current handling */
    uint64_t conflict_until; /* activation held while another up server is seen holding
                              * the group (a stale view); refused after this time */
    bool pend_fresh;         /* the held activation's arguments */
    int pend_origin;
    uint64_t pend_op_id;
    char pend_event[16];
    char pend_prev[64];
    uint64_t scope;          /* members the current deactivation acts on (all by default) */
    char prev_server[64];
    Clp__GroupState at[NM_MAX_SERVERS]; /* state on each server, as last reported */
    uint64_t restricted;
    uint64_t since_wall;
    uint64_t dual_alerted;  /* servers a dual activation was reported with */
    mop_t *mop;             /* master only */
    uint64_t autostart_since; /* master: waiting for start dependencies since */
    bool autostart;
} grt_t;

struct rc {
    core_t *c;
    rrt_t *rsc;
    size_t n_rsc;
    grt_t *grp;
    size_t n_grp;
    uint64_t next_op_id;
    bool stopping;
    bool stop_cluster_wide;
    bool formed;
    bool autostart_pending;
    bool autostarted;
    uint64_t master_since; /* when this server became the master (0: it is not) */
    uint64_t down_ok;
    struct deferred *deferred; /* requests held until a master has settled */
    Clp__GroupBrief *briefs;
    Clp__GroupBrief **brief_ptrs;
    unsigned long n_activations, n_deactivations, n_failovers;
};

/* rc.c: local execution */
void rc_local_activate(rc_t *rc, int g, const char *event, uint64_t op_id, const char *prev,
                       int origin, bool fresh);
void rc_local_deactivate(rc_t *rc, int g, const char *factor, uint64_t op_id, int origin);
/* Starts one member (and, with force, what it depends on): clprsc -s. */
void rc_local_activate_resource(rc_t *rc, int g, const char *resource, bool force,
                                uint64_t op_id, int origin);
/* Stops one member and everything that depends on it (a resource restart). */
void rc_local_deactivate_resource(rc_t *rc, int g, const char *resource, const char *factor,
                                  bool force, uint64_t op_id, int origin);
void rc_local_no_failover(rc_t *rc, int g);
void rc_local_announce(rc_t *rc, int g);
void rc_set_local_state(rc_t *rc, int g, Clp__GroupState s);
bool rc_group_busy_locally(const rc_t *rc, int g);
/* Reports the end of a local operation to the master. */
void rc_report(rc_t *rc, int g, Clp__GroupEvent__Kind kind, bool ok, const char *msg,
               const char *resource);

/* rc_master.c */
/* Asks the master to fail group over to another server because this one stops. */
int rc_request_handoff(core_t *c, const char *group, rc_done_fn done, void *arg);
void rc_master_on_event(rc_t *rc, int from, const Clp__GroupEvent *ev);
void rc_master_tick(rc_t *rc, uint64_t now);
/* Every server: requests held while the cluster had no settled master. */
void rc_deferred_tick(rc_t *rc, uint64_t now);
void rc_master_server_up(rc_t *rc, int server);
void rc_master_server_gone(rc_t *rc, int server);
bool rc_is_master(const rc_t *rc);
/* Starts a master operation for request gr on group g; returns 0 or -errno with
 * a sentence in why. waiter may be NULL. */
int rc_master_begin(rc_t *rc, int g, const Clp__GroupRequest *gr, clp_srv_req_t *waiter,
                    char *why, size_t n);
/* Where group g is online or pending (or will be: an operation's target);
 * -1 when nowhere. */
int rc_where(const rc_t *rc, int g);
void rc_master_cleanup(rc_t *rc);

/* rc_persist.c */
void rc_persist_save(rc_t *rc);
/* Reads work/rc.state and recovers what was active; returns groups found. */
int rc_persist_recover(rc_t *rc);

/* names */
const char *rc_state_name(Clp__GroupState s);

#endif
