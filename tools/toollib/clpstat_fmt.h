/*
 * clpstat_fmt: the text layouts of clpstat, as pure functions from a
 * ClusterStatus to a stream, so the layout rules are unit-tested
 * (test/unit/test_clpstat_fmt.c) and shared by clpstat and anything else that
 * prints status.
 *
 * Layout of the default view (reference §2.1, measured on NEC's samples):
 * a 70-character title, "  Cluster : NAME", sections <server>, <group>,
 * <monitor>; top-level rows are a 4-character indent (3 spaces and '*' for the
 * local server) and a 17-character name field, nested rows a 6-character
 * indent and a 15-character field, so the colon is always in column 22;
 * servers and groups fill their field with " ..." dots, the others with
 * spaces; names longer than 16 characters are cut to 16. --long widens the
 * fields to 34/32 (colon in column 39) and cuts nothing.
 */
#ifndef CLPSTAT_FMT_H
#define CLPSTAT_FMT_H

#include <stdbool.h>
#include <stdio.h>

#include "clp_config.h"
#include "clp_proto/cluster.pb-c.h"

typedef struct {
    bool longfmt;
    const clp_conf_t *conf; /* for comments and types (may be NULL) */
} clpstat_opts_t;

/* clpstat / clpstat -s: every section. sections: bit 0 servers, 1 groups, 2 monitors. */
void clpstat_fmt_status(FILE *out, const Clp__ClusterStatus *st, const clpstat_opts_t *o,
                        unsigned sections);
/* clpstat -g: the group map. */
void clpstat_fmt_groupmap(FILE *out, const Clp__ClusterStatus *st, const clpstat_opts_t *o);
/* clpstat -m: monitors per server. */
void clpstat_fmt_monitors(FILE *out, const Clp__ClusterStatus *st, const clpstat_opts_t *o);
/* clpstat -n: heartbeat matrix per server. nodes: the NodeStates of the servers
 * (NULL entries for servers whose view is unknown). */
void clpstat_fmt_heartbeats(FILE *out, const Clp__ClusterStatus *st, const clpstat_opts_t *o);
/* clpstat -p: network-partition resolution status per server. */
void clpstat_fmt_np(FILE *out, const Clp__ClusterStatus *st, const clpstat_opts_t *o);
/* -o json: the whole status as JSON. */
void clpstat_fmt_json(FILE *out, const Clp__ClusterStatus *st);

/* Status words. */
const char *clpstat_server_word(const Clp__ServerView *sv);
const char *clpstat_group_word(Clp__GroupState s);
const char *clpstat_path_word(Clp__PathState s);
const char *clpstat_monitor_word(Clp__MonitorState s);

/* Writes a JSON string literal (with quotes). */
void clpstat_json_str(FILE *out, const char *s);

#endif
