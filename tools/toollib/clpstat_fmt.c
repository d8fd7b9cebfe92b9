/*
 * clpstat_fmt: clpstat's layouts (see clpstat_fmt.h).
 */
#include "clpstat_fmt.h"

#include <stdio.h>
#include <string.h>

#define WIDTH 70

static void title(FILE *out, const char *text, int left, int right)
{
    int len = (int)strlen(text);
    if (left < 0) {
        int rest = WIDTH - 1 - 4 - len;
        left = rest / 2;
        right = rest - left;
    }
    fputc(' ', out);
    for (int i = 0; i < left; i++) {
        fputc('=', out);
    }
    fprintf(out, "  %s  ", text);
    for (int i = 0; i < right; i++) {
        fputc('=', out);
    }
    fputc('\n', out);
}

static void closing(FILE *out)
{
    fputc(' ', out);
    for (int i = 0; i < WIDTH - 1; i++) {
        fputc('=', out);
    }
    fputc('\n', out);
}

static void separator(FILE *out)
{
    fputs("  ", out);
    for (int i = 0; i < 68; i++) {
        fputc('-', out);
    }
    fputc('\n', out);
}

/* A name field: cut to max (unless long), then padded with dots or spaces. */
static void field(FILE *out, const char *name, int width, bool dots, bool longfmt)
{
    char buf[128];
    int max = longfmt ? width - 1 : 16;
    if (max > width - 1) {
        max = width - 1;
    }
    snprintf(buf, sizeof(buf), "%.*s", max, name);
    int len = (int)strlen(buf);
    fputs(buf, out);
    if (dots) {
        if (len < width) {
            fputc(' ', out);
            len++;
        }
        for (; len < width; len++) {
            fputc('.', out);
        }
    } else {
        for (; len < width; len++) {
            fputc(' ', out);
        }
    }
}

const char *clpstat_server_word(const Clp__ServerView *sv)
{
    switch (sv->state) {
    case CLP__SERVER_STATE__SERVER_ONLINE:
        return sv->caution ? "Caution" : "Online";
    case CLP__SERVER_STATE__SERVER_STARTING:
        return "Online Pending";
    case CLP__SERVER_STATE__SERVER_STOPPING:
        return "Offline Pending";
    case CLP__SERVER_STATE__SERVER_SUSPENDED:
        return "Suspend";
    case CLP__SERVER_STATE__SERVER_OFFLINE:
        return "Offline";
    default:
        return "Unknown";
    }
}

const char *clpstat_group_word(Clp__GroupState s)
{
    switch (s) {
    case CLP__GROUP_STATE__GROUP_OFFLINE:
        return "Offline";
    case CLP__GROUP_STATE__GROUP_ONLINE_PENDING:
        return "Online Pending";
    case CLP__GROUP_STATE__GROUP_ONLINE:
        return "Online";
    case CLP__GROUP_STATE__GROUP_OFFLINE_PENDING:
        return "Offline Pending";
    case CLP__GROUP_STATE__GROUP_ONLINE_FAILURE:
        return "Online Failure";
    case CLP__GROUP_STATE__GROUP_OFFLINE_FAILURE:
        return "Offline Failure";
    default:
        return "Unknown";
    }
}

const char *clpstat_path_word(Clp__PathState s)
{
    switch (s) {
    case CLP__PATH_STATE__PATH_NORMAL:
        return "Normal";
    case CLP__PATH_STATE__PATH_CAUTION:
        return "Caution";
    case CLP__PATH_STATE__PATH_ERROR:
        return "Error";
    case CLP__PATH_STATE__PATH_UNUSED:
        return "Unused";
    default:
        return "Unknown";
    }
}

const char *clpstat_monitor_word(Clp__MonitorState s)
{
    switch (s) {
    case CLP__MONITOR_STATE__MON_OFFLINE:
        return "Offline";
    case CLP__MONITOR_STATE__MON_NORMAL:
        return "Normal";
    case CLP__MONITOR_STATE__MON_CAUTION:
        return "Caution";
    case CLP__MONITOR_STATE__MON_ERROR:
        return "Error";
    case CLP__MONITOR_STATE__MON_UNUSED:
        return "Unused";
    case CLP__MONITOR_STATE__MON_SUSPEND:
        return "Suspend";
    default:
        return "Unknown";
    }
}

static const char *hb_comment(const clpstat_opts_t *o, const char *name, const char *type)
{
    if (o->conf) {
        const clp_hb_t *hb = clp_conf_hb(o->conf, name);
        const char *c = hb ? clp_params_get(&hb->params, "comment") : NULL;
        if (c && c[0]) {
            return c;
        }
        const clp_np_t *np = clp_conf_np(o->conf, name);
        c = np ? clp_params_get(&np->params, "comment") : NULL;
        if (c && c[0]) {
            return c;
        }
    }
    static const char *defaults[][2] = {
        {"lanhb", "LAN Heartbeat"},        {"lankhb", "Kernel Mode LAN Heartbeat"},
        {"diskhb", "DISK Heartbeat"},      {"comhb", "COM Heartbeat"},
        {"bmchb", "BMC Heartbeat"},        {"witnesshb", "Witness Heartbeat"},
        {"pingnp", "ping resolution"},     {"httpnp", "http resolution"},
        {"majority", "majority resolution"}, {"disknp", "disk resolution"},
    };
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        if (strcmp(defaults[i][0], type) == 0) {
            return defaults[i][1];
        }
    }
    return "";
}

static void row(FILE *out, int indent, bool star, const char *name, int width, bool dots,
                bool longfmt, const char *status, const char *comment)
{
    for (int i = 0; i < indent - (star ? 1 : 0); i++) {
        fputc(' ', out);
    }
    if (star) {
        fputc('*', out);
    }
    field(out, name, width, dots, longfmt);
    if (comment && comment[0]) {
        fprintf(out, ": %-17s%s\n", status, comment);
    } else {
        fprintf(out, ": %s\n", status);
    }
}

/* "  Config  : generation N", with the servers that run another one. Not
 * printed before the first push (generation 0) unless servers differ: the
 * layout is then the original's. */
static void config_line(FILE *out, const Clp__ClusterStatus *st)
{
    bool differs = st->config_mismatch;
    for (size_t k = 0; k < st->n_servers; k++) {
        differs |= st->servers[k]->config_differs;
    }
    if (st->config_generation == 0 && !differs) {
        return;
    }
    fprintf(out, "  Config  : generation %llu", (unsigned long long)st->config_generation);
    bool first = true;
    for (size_t k = 0; k < st->n_servers; k++) {
        const Clp__ServerView *sv = st->servers[k];
        if (sv->config_differs) {
            fprintf(out, "%s%s runs generation %llu", first ? " (Caution: " : ", ", sv->name,
                    (unsigned long long)sv->config_generation);
            first = false;
        }
    }
    if (first && st->config_mismatch) {
        fputs(" (Caution: the servers run different configurations", out);
        first = false;
    }
    fputs(first ? "\n" : ")\n", out);
}

void clpstat_fmt_status(FILE *out, const Clp__ClusterStatus *st, const clpstat_opts_t *o,
                        unsigned sections)
{
    int top = o->longfmt ? 34 : 17, nested = o->longfmt ? 32 : 15;
    title(out, "CLUSTER STATUS", 24, 27);
    fprintf(out, "  Cluster : %s\n", st->cluster);
    config_line(out, st);
    if (sections & 1u) {
        fputs("  <server>\n", out);
        for (size_t k = 0; k < st->n_servers; k++) {
            const Clp__ServerView *sv = st->servers[k];
            bool local = strcmp(sv->name, st->local_server) == 0;
            bool off = sv->state == CLP__SERVER_STATE__SERVER_OFFLINE ||
                       sv->state == CLP__SERVER_STATE__SERVER_UNKNOWN;
            row(out, 4, local, sv->name, top, true, o->longfmt, clpstat_server_word(sv), NULL);
            for (size_t j = 0; j < sv->n_paths; j++) {
                const Clp__PathStatus *p = sv->paths[j];
                row(out, 6, false, p->name, nested, false, o->longfmt,
                    off && p->state != CLP__PATH_STATE__PATH_UNUSED ? "Offline"
                                                                   : clpstat_path_word(p->state),
                    hb_comment(o, p->name, p->type));
            }
            for (size_t i = 0; i < sv->n_nps; i++) {
                const Clp__NpStatus *np = sv->nps[i];
                row(out, 6, false, np->name, nested, false, o->longfmt,
                    off && np->state != CLP__PATH_STATE__PATH_UNUSED ? "Offline"
                                                                    : clpstat_path_word(np->state),
                    hb_comment(o, np->name, np->type));
            }
        }
    }
    if (sections & 2u) {
        fputs("  <group>\n", out);
        for (size_t g = 0; g < st->n_groups; g++) {
            const Clp__GroupView *gv = st->groups[g];
            row(out, 4, false, gv->name, top, true, o->longfmt, clpstat_group_word(gv->state),
                NULL);
            row(out, 6, false, "current", nested, false, o->longfmt,
                gv->current[0] ? gv->current : "None", NULL);
            for (size_t i = 0; i < gv->n_resources; i++) {
                row(out, 6, false, gv->resources[i]->name, nested, false, o->longfmt,
                    clpstat_group_word(gv->resources[i]->state), NULL);
            }
        }
    }
    if (sections & 4u) {
        fputs("  <monitor>\n", out);
        for (size_t m = 0; m < st->n_monitors; m++) {
            const Clp__MonitorView *mv = st->monitors[m];
            row(out, 4, false, mv->name, top, false, o->longfmt, clpstat_monitor_word(mv->state),
                NULL);
        }
    }
    closing(out);
}

static void legend(FILE *out, const Clp__ClusterStatus *st)
{
    for (size_t k = 0; k < st->n_servers; k++) {
        bool local = strcmp(st->servers[k]->name, st->local_server) == 0;
        fprintf(out, "  %sserver%zu : %s\n", local ? " *" : "  ", k, st->servers[k]->name);
    }
}

static char server_mark(const Clp__ServerView *sv)
{
    switch (sv->state) {
    case CLP__SERVER_STATE__SERVER_ONLINE:
        return 'o';
    case CLP__SERVER_STATE__SERVER_SUSPENDED:
        return 's';
    case CLP__SERVER_STATE__SERVER_STARTING:
    case CLP__SERVER_STATE__SERVER_STOPPING:
        return 'p';
    case CLP__SERVER_STATE__SERVER_OFFLINE:
        return 'x';
    default:
        return '-';
    }
}

static char group_mark(Clp__GroupState s)
{
    switch (s) {
    case CLP__GROUP_STATE__GROUP_ONLINE:
        return 'o';
    case CLP__GROUP_STATE__GROUP_ONLINE_PENDING:
    case CLP__GROUP_STATE__GROUP_OFFLINE_PENDING:
        return 'p';
    case CLP__GROUP_STATE__GROUP_ONLINE_FAILURE:
    case CLP__GROUP_STATE__GROUP_OFFLINE_FAILURE:
        return 'e';
    case CLP__GROUP_STATE__GROUP_OFFLINE:
        return 'x';
    default:
        return '-';
    }
}

void clpstat_fmt_groupmap(FILE *out, const Clp__ClusterStatus *st, const clpstat_opts_t *o)
{
    title(out, "GROUPMAP INFORMATION", 22, 23);
    fprintf(out, "  Cluster : %s\n", st->cluster);
    for (size_t k = 0; k < st->n_servers; k++) {
        bool local = strcmp(st->servers[k]->name, st->local_server) == 0;
        fprintf(out, "  %sserver%zu : %s\n", local ? " *" : "  ", k, st->servers[k]->name);
    }
    fputc('\n', out);
    separator(out);
    for (size_t k = 0; k < st->n_servers; k++) {
        const Clp__ServerView *sv = st->servers[k];
        fprintf(out, "    server%zu [%c] :", k, server_mark(sv));
        for (size_t g = 0; g < st->n_groups; g++) {
            const Clp__GroupView *gv = st->groups[g];
            for (size_t s = 0; s < gv->n_per_server; s++) {
                const Clp__ServerGroupState *ps = gv->per_server[s];
                if (strcmp(ps->server, sv->name) == 0 &&
                    ps->state != CLP__GROUP_STATE__GROUP_OFFLINE) {
                    fprintf(out, " %s[%c]", gv->name, group_mark(ps->state));
                }
            }
        }
        fputc('\n', out);
    }
    closing(out);
}

static char monitor_mark(Clp__MonitorState s)
{
    switch (s) {
    case CLP__MONITOR_STATE__MON_NORMAL:
        return 'o';
    case CLP__MONITOR_STATE__MON_CAUTION:
        return 'w';
    case CLP__MONITOR_STATE__MON_ERROR:
        return 'e';
    case CLP__MONITOR_STATE__MON_SUSPEND:
        return 's';
    case CLP__MONITOR_STATE__MON_OFFLINE:
        return 'x';
    default:
        return '-';
    }
}

void clpstat_fmt_monitors(FILE *out, const Clp__ClusterStatus *st, const clpstat_opts_t *o)
{
    title(out, "MONITOR RESOURCE STATUS", -1, -1);
    fprintf(out, "  Cluster : %s\n", st->cluster);
    legend(out, st);
    for (size_t m = 0; m < st->n_monitors; m++) {
        const Clp__MonitorView *mv = st->monitors[m];
        fprintf(out, "\n  Monitor%zu [%s : %s]\n", m, mv->name, clpstat_monitor_word(mv->state));
        separator(out);
        for (size_t k = 0; k < mv->n_per_server; k++) {
            const Clp__MonitorServerState *ms = mv->per_server[k];
            fprintf(out, "    server%zu [%c] : %s\n", k, monitor_mark(ms->state),
                    clpstat_monitor_word(ms->state));
        }
    }
    closing(out);
}

static char path_mark(Clp__PathState s)
{
    switch (s) {
    case CLP__PATH_STATE__PATH_NORMAL:
        return 'o';
    case CLP__PATH_STATE__PATH_CAUTION:
        return 'w';
    case CLP__PATH_STATE__PATH_ERROR:
        return 'x';
    default:
        return '-';
    }
}

void clpstat_fmt_heartbeats(FILE *out, const Clp__ClusterStatus *st, const clpstat_opts_t *o)
{
    title(out, "HEARTBEAT RESOURCE STATUS", -1, -1);
    fprintf(out, "  Cluster : %s\n", st->cluster);
    legend(out, st);
    size_t nhb = st->n_servers ? st->servers[0]->n_paths : 0;
    fputc('\n', out);
    for (size_t j = 0; j < nhb; j++) {
        fprintf(out, "  HB%zu : %s\n", j, st->servers[0]->paths[j]->name);
    }
    for (size_t k = 0; k < st->n_servers; k++) {
        const Clp__ServerView *viewer = st->servers[k];
        fprintf(out, "\n  [on server%zu : %s]\n", k, clpstat_server_word(viewer));
        fprintf(out, "           HB");
        for (size_t j = 0; j < nhb; j++) {
            fprintf(out, " %2zu", j);
        }
        fputc('\n', out);
        separator(out);
        bool known = viewer->n_own_paths == nhb && viewer->state != CLP__SERVER_STATE__SERVER_OFFLINE;
        for (size_t p = 0; p < st->n_servers; p++) {
            const char *peer = st->servers[p]->name;
            fprintf(out, "    server%zu :", p);
            for (size_t j = 0; j < nhb; j++) {
                char mark = '-';
                if (known && p != k) {
                    const Clp__PathStatus *ps = viewer->own_paths[j];
                    for (size_t x = 0; x < ps->n_peers; x++) {
                        if (strcmp(ps->peers[x]->server, peer) == 0) {
                            mark = path_mark(ps->peers[x]->state);
                        }
                    }
                } else if (known && p == k) {
                    mark = 'o';
                }
                fprintf(out, "  %c", mark);
            }
            fputc('\n', out);
        }
    }
    closing(out);
}

void clpstat_fmt_np(FILE *out, const Clp__ClusterStatus *st, const clpstat_opts_t *o)
{
    title(out, "NETWORK PARTITION RESOLUTION STATUS", -1, -1);
    fprintf(out, "  Cluster : %s\n", st->cluster);
    legend(out, st);
    size_t nnp = st->n_servers ? st->servers[0]->n_nps : 0;
    fputc('\n', out);
    for (size_t i = 0; i < nnp; i++) {
        const Clp__NpStatus *np = st->servers[0]->nps[i];
        fprintf(out, "  NP%zu : %s (%s)\n", i, np->name, hb_comment(o, np->name, np->type));
    }
    for (size_t k = 0; k < st->n_servers; k++) {
        const Clp__ServerView *sv = st->servers[k];
        fprintf(out, "\n  [on server%zu : %s]\n", k, clpstat_server_word(sv));
        fprintf(out, "           NP");
        for (size_t i = 0; i < nnp; i++) {
            fprintf(out, " %2zu", i);
        }
        fputc('\n', out);
        separator(out);
        fprintf(out, "    server%zu :", k);
        for (size_t i = 0; i < sv->n_nps && i < nnp; i++) {
            fprintf(out, "  %c", path_mark(sv->nps[i]->state));
        }
        fputc('\n', out);
    }
    closing(out);
}

/* ---- JSON ---- */

void clpstat_json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*p < 0x20) {
                fprintf(out, "\\u%04x", *p);
            } else {
                fputc(*p, out);
            }
        }
    }
    fputc('"', out);
}

static void jkv(FILE *out, const char *k, const char *v, bool comma)
{
    clpstat_json_str(out, k);
    fputc(':', out);
    clpstat_json_str(out, v);
    if (comma) {
        fputc(',', out);
    }
}

void clpstat_fmt_json(FILE *out, const Clp__ClusterStatus *st)
{
    fputs("{", out);
    jkv(out, "cluster", st->cluster, true);
    jkv(out, "local_server", st->local_server, true);
    jkv(out, "master", st->master, true);
    fprintf(out, "\"toratio\":%u,\"config_mismatch\":%s,\"config_generation\":%llu,",
            st->toratio, st->config_mismatch ? "true" : "false",
            (unsigned long long)st->config_generation);
    fputs("\"servers\":[", out);
    for (size_t k = 0; k < st->n_servers; k++) {
        const Clp__ServerView *sv = st->servers[k];
        fputs(k ? ",{" : "{", out);
        jkv(out, "name", sv->name, true);
        jkv(out, "status", clpstat_server_word(sv), true);
        fprintf(out, "\"priority\":%u,\"master\":%s,", sv->priority, sv->is_master ? "true" : "false");
        fprintf(out, "\"config_generation\":%llu,\"config_differs\":%s,",
                (unsigned long long)sv->config_generation, sv->config_differs ? "true" : "false");
        fputs("\"heartbeats\":[", out);
        for (size_t j = 0; j < sv->n_paths; j++) {
            fputs(j ? ",{" : "{", out);
            jkv(out, "name", sv->paths[j]->name, true);
            jkv(out, "type", sv->paths[j]->type, true);
            jkv(out, "status", clpstat_path_word(sv->paths[j]->state), false);
            fputs("}", out);
        }
        fputs("],\"np\":[", out);
        for (size_t i = 0; i < sv->n_nps; i++) {
            fputs(i ? ",{" : "{", out);
            jkv(out, "name", sv->nps[i]->name, true);
            jkv(out, "type", sv->nps[i]->type, true);
            jkv(out, "status", clpstat_path_word(sv->nps[i]->state), false);
            fputs("}", out);
        }
        fputs("]}", out);
    }
    fputs("],\"groups\":[", out);
    for (size_t g = 0; g < st->n_groups; g++) {
        const Clp__GroupView *gv = st->groups[g];
        fputs(g ? ",{" : "{", out);
        jkv(out, "name", gv->name, true);
        jkv(out, "type", gv->type, true);
        jkv(out, "status", clpstat_group_word(gv->state), true);
        jkv(out, "current", gv->current[0] ? gv->current : "None", true);
        fputs("\"resources\":[", out);
        for (size_t i = 0; i < gv->n_resources; i++) {
            fputs(i ? ",{" : "{", out);
            jkv(out, "name", gv->resources[i]->name, true);
            jkv(out, "type", gv->resources[i]->type, true);
            jkv(out, "status", clpstat_group_word(gv->resources[i]->state), true);
            jkv(out, "current", gv->resources[i]->current[0] ? gv->resources[i]->current : "None",
                false);
            fputs("}", out);
        }
        fputs("],\"servers\":[", out);
        for (size_t s = 0; s < gv->n_per_server; s++) {
            fputs(s ? ",{" : "{", out);
            jkv(out, "name", gv->per_server[s]->server, true);
            jkv(out, "status", clpstat_group_word(gv->per_server[s]->state), false);
            fputs("}", out);
        }
        fputs("]}", out);
    }
    fputs("],\"monitors\":[", out);
    for (size_t m = 0; m < st->n_monitors; m++) {
        const Clp__MonitorView *mv = st->monitors[m];
        fputs(m ? ",{" : "{", out);
        jkv(out, "name", mv->name, true);
        jkv(out, "type", mv->type, true);
        jkv(out, "status", clpstat_monitor_word(mv->state), true);
        fputs("\"servers\":[", out);
        for (size_t k = 0; k < mv->n_per_server; k++) {
            fputs(k ? ",{" : "{", out);
            jkv(out, "name", mv->per_server[k]->server, true);
            jkv(out, "status", clpstat_monitor_word(mv->per_server[k]->state), false);
            fputs("}", out);
        }
        fputs("]}", out);
    }
    fputs("]}\n", out);
}
