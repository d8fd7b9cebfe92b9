/*
 * clp_msg: envelope stamping, packing and the checked unpack of outside bytes.
 */
#define CLP_LOG_TAG "msg"
#include "clp_msg.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_paths.h"
#include "clp_time.h"

void clp_msg_ctx_init(clp_msg_ctx_t *ctx, const char *cluster, const char *sender,
                      const char *origin, uint64_t incarnation)
{
    memset(ctx, 0, sizeof(*ctx));
    snprintf(ctx->cluster, sizeof(ctx->cluster), "%s", cluster ? cluster : "");
    snprintf(ctx->sender, sizeof(ctx->sender), "%s", sender ? sender : "");
    snprintf(ctx->origin, sizeof(ctx->origin), "%s", origin ? origin : "");
    ctx->incarnation =
        incarnation ? incarnation : clp_wall_ms() * 1000u + (uint64_t)getpid() % 1000u;
}

uint64_t clp_incarnation_next(const char *statefile)
{
    uint64_t now = clp_wall_ms() * 1000u;
    uint64_t prev = 0;
    char *data = NULL;

    if (statefile && clp_read_file(statefile, 64, &data, NULL) == 0) {
        prev = strtoull(data, NULL, 10);
        free(data);
    }
    uint64_t inc = now > prev ? now : prev + 1;
    if (statefile) {
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", inc);
        if (clp_write_atomic(statefile, buf, (size_t)n, 0644) < 0) {
            clp_warn("cannot persist incarnation to %s: %s", statefile, strerror(errno));
        }
    }
    return inc;
}

void clp_msg_stamp(clp_msg_ctx_t *ctx, Clp__Envelope *env)
{
    env->version = CLP_PROTO_VERSION;
    env->cluster = ctx->cluster;
    env->sender = ctx->sender;
    env->origin = ctx->origin;
    env->incarnation = ctx->incarnation;
    env->seq = ++ctx->seq;
}

void clp_msg_stamp_reply(clp_msg_ctx_t *ctx, Clp__Envelope *env, const Clp__Envelope *req)
{
    clp_msg_stamp(ctx, env);
    env->reply_to = req ? req->seq : 0;
}

int clp_msg_pack(const Clp__Envelope *env, uint8_t **out, size_t *len)
{
    size_t n = clp__envelope__get_packed_size(env);
    if (n > CLP_MSG_MAX) {
        return -EMSGSIZE;
    }
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        return -ENOMEM;
    }
    clp__envelope__pack(env, buf);
    *out = buf;
    *len = n;
    return 0;
}

void clp_msg_reject(clp_msg_ctx_t *ctx, const char *where, const char *why)
{
    if (!ctx) {
        return;
    }
    ctx->n_rejected++;
    uint64_t now = clp_mono_ms();
    if (ctx->last_reject_log == 0 || now - ctx->last_reject_log >= 10000) {
        ctx->last_reject_log = now;
        clp_warn("rejected input on %s: %s (%" PRIu64 " rejected so far)", where ? where : "?", why,
                 ctx->n_rejected);
    }
}

/* Whether m and every message inside it are free of unknown fields numbered 0.
 * Field number 0 is invalid protobuf; protobuf-c accepts it only when the tag
 * is encoded in more bytes than needed, keeps it as an unknown field and
 * packs it again as bytes it refuses itself, so such an envelope could not be
 * relayed or copied. */
static bool no_field_zero(const ProtobufCMessage *m)
{
    for (size_t i = 0; i < m->n_unknown_fields; i++) {
        if (m->unknown_fields[i].tag == 0) {
            return false;
        }
    }
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE) {
            continue;
        }
        const char *base = (const char *)m;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            if (*(const uint32_t *)(base + f->quantifier_offset) != f->id) {
                continue;
            }
        }
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            ProtobufCMessage *const *v = *(ProtobufCMessage *const *const *)(base + f->offset);
            for (size_t k = 0; k < n; k++) {
                if (v[k] && !no_field_zero(v[k])) {
                    return false;
                }
            }
        } else {
            const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)(base + f->offset);
            if (sub && !no_field_zero(sub)) {
                return false;
            }
        }
    }
    return true;
}

Clp__Envelope *clp_msg_unpack(clp_msg_ctx_t *ctx, const char *where, const void *buf, size_t len,
                              char *err, size_t errlen)
{
    char why[160];
    Clp__Envelope *env = NULL;

    if (len > CLP_MSG_MAX) {
        snprintf(why, sizeof(why), "message of %zu bytes exceeds the limit of %u", len,
                 CLP_MSG_MAX);
        goto reject;
    }
    env = clp__envelope__unpack(NULL, len, buf);
    if (!env) {
        snprintf(why, sizeof(why), "not a valid protobuf envelope (%zu bytes)", len);
        goto reject;
    }
    if (!no_field_zero(&env->base)) {
        snprintf(why, sizeof(why), "not a valid protobuf envelope (field number 0)");
        goto reject;
    }
    if (env->version != CLP_PROTO_VERSION) {
        snprintf(why, sizeof(why), "protocol version %u, expected %u", env->version,
                 CLP_PROTO_VERSION);
        goto reject;
    }
    if (env->payload_case == CLP__ENVELOPE__PAYLOAD__NOT_SET) {
        snprintf(why, sizeof(why), "envelope without a payload (unknown message type?)");
        goto reject;
    }
    if (ctx && ctx->cluster[0] && env->cluster[0] && strcmp(ctx->cluster, env->cluster) != 0) {
        snprintf(why, sizeof(why), "message for cluster '%.40s', this is '%.40s'", env->cluster,
                 ctx->cluster);
        goto reject;
    }
    return env;

reject:
    if (env) {
        clp__envelope__free_unpacked(env, NULL);
    }
    if (err && errlen) {
        snprintf(err, errlen, "%s", why);
    }
    clp_msg_reject(ctx, where, why);
    return NULL;
}

void clp_msg_free(Clp__Envelope *env)
{
    if (env) {
        clp__envelope__free_unpacked(env, NULL);
    }
}

const char *clp_msg_payload_name(const Clp__Envelope *env)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&clp__envelope__descriptor, env->payload_case);
    return f ? f->name : "none";
}
