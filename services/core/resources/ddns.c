/*
 * ddns: registers the group's host name in a DNS server by dynamic update
 * (RFC 2136, nsupdate from BIND's tools) on the server that runs the group.
 *
 * Parameters: parameters/hostname (a fully qualified name), parameters/ip
 * (IPv4: an A record, IPv6: AAAA), parameters/server, parameters/port
 * (default 53), parameters/ttl (default 0), parameters/keyfile (a TSIG key
 * file as tsig-keygen or ddns-confgen writes it; none: unsigned updates).
 *
 * Activation replaces every record of that type for the name with
 * hostname -> ip (delete, add, in one update); deactivation deletes that one
 * record. Both wait for the server's answer (nsupdate -t 10, one retry).
 * Probe: this server registered it (state file) and the server answers the
 * name with ip (dig). No quick fence: a DNS update is a network round trip,
 * and the server that takes the group over re-registers the name anyway.
 */
#define CLP_LOG_TAG "ddns"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsc.h"
#include "rsc_cmd.h"

typedef struct {
    const char *host, *ip, *server, *keyfile;
    long port, ttl;
    const char *rtype;
} ddns_t;

static int ddns_params(const rsc_ctx_t *ctx, ddns_t *d)
{
    d->host = rsc_param(ctx, "parameters/hostname");
    d->ip = rsc_param(ctx, "parameters/ip");
    d->server = rsc_param(ctx, "parameters/server");
    d->keyfile = rsc_param(ctx, "parameters/keyfile");
    d->port = rsc_param_int(ctx, "parameters/port", 53);
    d->ttl = rsc_param_int(ctx, "parameters/ttl", 0);
    if (!d->host || !d->host[0] || !d->ip || !d->ip[0] || !d->server || !d->server[0]) {
        printf("parameters/hostname, parameters/ip and parameters/server are required");
        return RSC_ERR;
    }
    if (strpbrk(d->host, " \t\n;") || strpbrk(d->ip, " \t\n;")) {
        printf("invalid host name or address");
        return RSC_ERR;
    }
    d->rtype = strchr(d->ip, ':') ? "AAAA" : "A";
    return RSC_OK;
}

/* Runs one nsupdate with the given update lines; prints the error. */
static int nsupdate(const ddns_t *d, const char *lines)
{
    char script[1024], out[1024], why[64];
    snprintf(script, sizeof(script), "server %s %ld\n%ssend\nanswer\n", d->server, d->port, lines);
    char *argv[8];
    int k = 0;
    argv[k++] = "nsupdate";
    argv[k++] = "-t";
    argv[k++] = "10";
    if (d->keyfile && d->keyfile[0]) {
        argv[k++] = "-k";
        argv[k++] = (char *)d->keyfile;
    }
    argv[k] = NULL;
    int rc = RSC_CMD_NOEXEC;
    for (int attempt = 0; attempt < 2 && rc != 0; attempt++) {
        rc = rsc_cmd_run(argv, script, NULL, 25000, out, sizeof(out));
    }
    if (rc != 0) {
        rsc_cmd_flatten(out);
        printf("nsupdate to %s port %ld %s%s%s", d->server, d->port,
               rsc_cmd_strerror(rc, 25000, why, sizeof(why)), out[0] ? ": " : "", out);
        return rc == RSC_CMD_TIMEOUT ? RSC_ERR_TIMEOUT : RSC_ERR;
    }
    return RSC_OK;
}

/* Does the server answer host with ip? 1 yes, 0 no, -1 no answer at all. */
static int resolves(const ddns_t *d)
{
    char at[300], port[16], out[2048];
    snprintf(at, sizeof(at), "@%s", d->server);
    snprintf(port, sizeof(port), "%ld", d->port);
    char *argv[] = {"dig", "+short", "+time=2", "+tries=2", "-p", port, at, NULL, NULL, NULL};
    argv[7] = (char *)d->host;
    argv[8] = (char *)d->rtype;
    int rc = rsc_cmd_run(argv, NULL, NULL, 15000, out, sizeof(out));
    if (rc != 0) {
        return -1;
    }
    char *save = NULL;
    for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (strcmp(l, d->ip) == 0) {
            return 1;
        }
    }
    return 0;
}

static int ddns_activate(rsc_ctx_t *ctx)
{
    ddns_t d;
    if (ddns_params(ctx, &d) != RSC_OK) {
        return RSC_ERR;
    }
    char lines[512];
    snprintf(lines, sizeof(lines), "update delete %s %s\nupdate add %s %ld %s %s\n", d.host,
             d.rtype, d.host, d.ttl, d.rtype, d.ip);
    int rc = nsupdate(&d, lines);
    if (rc == RSC_OK) {
        rsc_state_write(ctx, "registered", d.ip);
    }
    return rc;
}

static int ddns_deactivate(rsc_ctx_t *ctx)
{
    ddns_t d;
    if (ddns_params(ctx, &d) != RSC_OK) {
        return RSC_ERR;
    }
    char lines[512];
    snprintf(lines, sizeof(lines), "update delete %s %s %s\n", d.host, d.rtype, d.ip);
    int rc = nsupdate(&d, lines);
    if (rc == RSC_OK) {
        rsc_state_remove(ctx, "registered");
    }
    return rc;
}

static int ddns_probe(rsc_ctx_t *ctx)
{
    ddns_t d;
    char buf[64];
    if (ddns_params(ctx, &d) != RSC_OK) {
        return RSC_ERR;
    }
    if (rsc_state_read(ctx, "registered", buf, sizeof(buf)) < 0) {
        return RSC_PROBE_INACTIVE;
    }
    int r = resolves(&d);
    if (r < 0) {
        printf("the DNS server %s port %ld does not answer", d.server, d.port);
        return RSC_ERR;
    }
    if (r == 0) {
        printf("%s does not resolve to %s", d.host, d.ip);
        return RSC_PROBE_INACTIVE;
    }
    return RSC_OK;
}

const rsc_type_t rsc_ddns = {
    .name = "ddns",
    .level = RSC_LEVEL_IP,
    .activate = ddns_activate,
    .deactivate = ddns_deactivate,
    .probe = ddns_probe,
    .quick_fence = NULL,
    .announce = NULL,
};
