/*
 * test_config_bundle: configuration bundles (libclp/clp_bundle.c), the
 * installed store with its generation record (clp_cfstore.c) and the
 * encodings of clpcfctrl -l / -w (clp_confenc.c).
 *
 * Bundles: path rules, a directory read and written back byte for byte with
 * the modes, a digest independent of the order files were added in, and the
 * check that every script the configuration names is in the bundle.
 * Store: stage, commit (scripts exchanged, clp.conf and the record written),
 * drop, the generation applied only to the clp.conf it describes, clean-up of
 * abandoned stages. Encodings: an EUC-JP file with Japanese comments pushes
 * as it is with -l and loads; an SJIS file is refused with -l; with -w it is
 * converted to EUC-JP, loads with the same text, and converts back to the
 * same bytes for --pull -w; bad bytes and characters EUC-JP cannot hold are
 * errors with their line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clp_bundle.h"
#include "clp_cfstore.h"
#include "clp_confenc.h"
#include "clp_paths.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config_bundle.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *dir, const char *rel, const char *text, mode_t mode)
{
    char path[1024], parent[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    snprintf(parent, sizeof(parent), "%s", path);
    *strrchr(parent, '/') = '\0';
    assert_int_equal(clp_mkdirs(parent, 0755), 0);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static const char *conf_text =
    "<?xml version=\"1.0\" encoding=\"ASCII\"?>\n"
    "<root>\n"
    "  <cluster><name>c1</name></cluster>\n"
    "  <server name=\"s1\"><priority>0</priority><device id=\"0\"><type>lan</type>"
    "<info>10.0.0.1</info></device></server>\n"
    "  <heartbeat><lanhb name=\"lanhb1\"><priority>0</priority><device>0</device></lanhb>"
    "</heartbeat>\n"
    "  <group name=\"g1\"><resource name=\"exec@e1\"/></group>\n"
    "  <resource><exec name=\"e1\">\n"
    "    <parameters><act><path>start.sh</path></act><deact><path>stop.sh</path></deact>"
    "</parameters>\n"
    "  </exec></resource>\n"
    "  <monitor><genw name=\"genw1\"><parameters><path>genw.sh</path></parameters>"
    "<relation><type>cls</type><name>LocalServer</name>"
    "</relation></genw></monitor>\n"
    "</root>\n";

/* ---- bundles ---- */

static void test_paths(void **state)
{
    (void)state;
    assert_true(clp_bundle_path_ok("clp.conf"));
    assert_true(clp_bundle_path_ok("scripts/g1/e1/start.sh"));
    assert_true(clp_bundle_path_ok("scripts/monitor.s/genw1/genw.sh"));
    assert_false(clp_bundle_path_ok("etc/clp.conf"));
    assert_false(clp_bundle_path_ok("/etc/passwd"));
    assert_false(clp_bundle_path_ok("scripts/../etc/clp.key"));
    assert_false(clp_bundle_path_ok("scripts//x"));
    assert_false(clp_bundle_path_ok("scripts/"));
    assert_false(clp_bundle_path_ok("scripts/a/"));
    assert_false(clp_bundle_path_ok("scripts/./x"));
    assert_false(clp_bundle_path_ok(""));
    clp_bundle_t b = {0};
    assert_int_equal(clp_bundle_add(&b, "../x", "a", 1, 0644), -EINVAL);
    clp_bundle_free(&b);
}

static void test_dir_round_trip(void **state)
{
    (void)state;
    char src[512], dst[512], err[512];
    snprintf(src, sizeof(src), "%s/src", tmpdir);
    snprintf(dst, sizeof(dst), "%s/dst", tmpdir);
    put(src, "clp.conf", conf_text, 0644);
    put(src, "scripts/g1/e1/start.sh", "#!/bin/sh\necho start\n", 0755);
    put(src, "scripts/g1/e1/stop.sh", "#!/bin/sh\necho stop\n", 0700);
    put(src, "scripts/monitor.s/genw1/genw.sh", "#!/bin/sh\nexit 0\n", 0755);

    clp_bundle_t b = {0}, c = {0};
    assert_int_equal(clp_bundle_read_dir(&b, src, err, sizeof(err)), 0);
    assert_int_equal(b.n, 4);
    assert_string_equal(b.files[0].path, "clp.conf"); /* sorted */
    assert_int_equal(clp_bundle_find(&b, "scripts/g1/e1/stop.sh")->mode, 0700);
    assert_int_equal(clp_bundle_write_dir(&b, dst, err, sizeof(err)), 0);
    assert_int_equal(clp_bundle_read_dir(&c, dst, err, sizeof(err)), 0);
    char d1[65], d2[65];
    clp_bundle_digest(&b, d1);
    clp_bundle_digest(&c, d2);
    assert_string_equal(d1, d2);
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "diff -r '%s' '%s' >/dev/null", src, dst);
    assert_int_equal(system(cmd), 0);

    /* the digest does not depend on the order files were added in */
    clp_bundle_t r = {0};
    for (size_t i = b.n; i-- > 0;) {
        clp_bundle_add(&r, b.files[i].path, b.files[i].data, b.files[i].len, b.files[i].mode);
    }
    clp_bundle_digest(&r, d2);
    assert_string_equal(d1, d2);
    /* and changes with a byte or a mode */
    clp_bundle_add(&r, "scripts/g1/e1/stop.sh", "#!/bin/sh\necho stop\n", 21, 0755);
    clp_bundle_digest(&r, d2);
    assert_string_not_equal(d1, d2);

    /* a symbolic link in the tree is refused, naming it */
    char link[600];
    snprintf(link, sizeof(link), "%s/scripts/g1/e1/link.sh", src);
    assert_int_equal(symlink("/etc/passwd", link), 0);
    clp_bundle_t s = {0};
    assert_int_equal(clp_bundle_read_dir(&s, src, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "link.sh"));
    unlink(link);
    clp_bundle_free(&s);
    clp_bundle_free(&r);
    clp_bundle_free(&b);
    clp_bundle_free(&c);
}

static void test_check_scripts(void **state)
{
    (void)state;
    clp_diag_t d = {0};
    clp_conf_t *conf = clp_conf_load_mem(conf_text, strlen(conf_text), "DIR/clp.conf", &d);
    assert_non_null(conf);
    clp_diag_free(&d);
    clp_bundle_t b = {0};
    clp_bundle_add(&b, "clp.conf", conf_text, strlen(conf_text), 0644);
    clp_bundle_add(&b, "scripts/g1/e1/start.sh", "x", 1, 0755);
    clp_bundle_add(&b, "scripts/g9/x/orphan.sh", "x", 1, 0755);
    assert_int_equal(clp_bundle_check(&b, conf, "DIR/clp.conf", &d), 2);
    /* the stop script and genw's default genw.sh are missing; each error has its line */
    assert_int_equal(d.n_errors, 2);
    bool stop = false, genw = false, orphan = false;
    for (size_t i = 0; i < d.n; i++) {
        if (d.items[i].kind == CLP_DIAG_ERROR) {
            assert_string_equal(d.items[i].file, "DIR/clp.conf");
            stop |= strstr(d.items[i].message, "scripts/g1/e1/stop.sh") && d.items[i].line == 8;
            genw |= strstr(d.items[i].message, "scripts/monitor.s/genw1/genw.sh") &&
                    d.items[i].line == 10;
        } else {
            orphan |= strcmp(d.items[i].file, "scripts/g9/x/orphan.sh") == 0;
        }
    }
    assert_true(stop);
    assert_true(genw);
    assert_true(orphan);
    clp_diag_free(&d);
    clp_bundle_add(&b, "scripts/g1/e1/stop.sh", "x", 1, 0755);
    clp_bundle_add(&b, "scripts/monitor.s/genw1/genw.sh", "x", 1, 0755);
    assert_int_equal(clp_bundle_check(&b, conf, "DIR/clp.conf", &d), 0);
    clp_diag_free(&d);
    clp_bundle_free(&b);
    clp_conf_free(&conf);
}

/* ---- the store ---- */

static void test_stage_commit(void **state)
{
    (void)state;
    char root[512], err[512], path[700];
    snprintf(root, sizeof(root), "%s/root", tmpdir);
    assert_int_equal(clp_root_prepare(root), 0);
    put(root, "etc/clp.conf", conf_text, 0644);
    put(root, "scripts/g1/e1/start.sh", "old start\n", 0755);
    put(root, "scripts/gone/x/old.sh", "old\n", 0755);

    /* hand-placed: no record, generation unknown */
    uint64_t gen = 99;
    char digest[65];
    assert_int_equal(clp_cfstore_current(root, &gen, digest), 0);
    assert_int_equal(gen, 0);

    clp_bundle_t b = {0};
    clp_bundle_add(&b, "clp.conf", conf_text, strlen(conf_text), 0644);
    clp_bundle_add(&b, "scripts/g1/e1/start.sh", "new start\n", 10, 0755);
    clp_bundle_add(&b, "scripts/g1/e1/stop.sh", "new stop\n", 9, 0755);
    assert_int_equal(clp_cfstore_stage(root, "tx1", &b, err, sizeof(err)), 0);
    /* staged only: the live tree is untouched */
    snprintf(path, sizeof(path), "%s/scripts/gone/x/old.sh", root);
    assert_int_equal(access(path, F_OK), 0);

    clp_cfmeta_t m = {.generation = 7, .pushed_wall_ms = 123};
    snprintf(m.pushed_by, sizeof(m.pushed_by), "root@s1 (clpcfctrl)");
    assert_int_equal(clp_cfstore_commit(root, "tx1", &m, err, sizeof(err)), 0);
    assert_int_not_equal(access(path, F_OK), 0); /* the old tree is gone */
    snprintf(path, sizeof(path), "%s/.cfstage-tx1", root);
    assert_int_not_equal(access(path, F_OK), 0); /* and the stage */

    clp_bundle_t now = {0};
    assert_int_equal(clp_bundle_read_root(&now, root, err, sizeof(err)), 0);
    char d1[65], d2[65];
    clp_bundle_digest(&b, d1);
    clp_bundle_digest(&now, d2);
    assert_string_equal(d1, d2);
    clp_bundle_free(&now);

    clp_cfmeta_t r;
    assert_int_equal(clp_cfmeta_read(root, &r), 0);
    assert_int_equal(r.generation, 7);
    assert_string_equal(r.digest, d1);
    assert_string_equal(r.pushed_by, "root@s1 (clpcfctrl)");
    assert_int_equal(clp_cfstore_current(root, &gen, digest), 0);
    assert_int_equal(gen, 7);
    assert_string_equal(digest, d1);

    /* the loader's model takes the generation of the record that describes it */
    clp_diag_t d = {0};
    snprintf(path, sizeof(path), "%s/etc/clp.conf", root);
    clp_conf_t *conf = clp_conf_load(path, &d);
    assert_non_null(conf);
    assert_int_equal(clp_cfstore_apply(root, conf), 1);
    assert_int_equal(conf->generation, 7);
    clp_conf_free(&conf);
    /* ... and not when clp.conf was edited by hand afterwards */
    put(root, "etc/clp.conf", conf_text, 0644);
    FILE *f = fopen(path, "a");
    fputs("<!-- edited -->\n", f);
    fclose(f);
    conf = clp_conf_load(path, &d);
    assert_non_null(conf);
    assert_int_equal(clp_cfstore_apply(root, conf), -ESTALE);
    assert_int_equal(conf->generation, 0);
    assert_int_equal(clp_cfstore_current(root, &gen, digest), 0);
    assert_int_equal(gen, 0);
    clp_conf_free(&conf);
    clp_diag_free(&d);

    /* a dropped stage leaves nothing; committing it then fails */
    assert_int_equal(clp_cfstore_stage(root, "tx2", &b, err, sizeof(err)), 0);
    assert_int_equal(clp_cfstore_drop(root, "tx2"), 0);
    assert_int_equal(clp_cfstore_commit(root, "tx2", &m, err, sizeof(err)), -ENOENT);
    assert_false(clp_cfstore_txid_ok("../x"));
    assert_int_equal(clp_cfstore_stage(root, "../x", &b, err, sizeof(err)), -EINVAL);

    /* an abandoned stage is cleaned once old enough */
    assert_int_equal(clp_cfstore_stage(root, "tx3", &b, err, sizeof(err)), 0);
    assert_int_equal(clp_cfstore_clean(root, 3600), 0);
    assert_int_equal(clp_cfstore_clean(root, 0), 1);
    snprintf(path, sizeof(path), "%s/.cfstage-tx3", root);
    assert_int_not_equal(access(path, F_OK), 0);
    clp_bundle_free(&b);
}

/* ---- encodings ---- */

/* UTF-8 text converted to enc with iconv. Caller frees. */
static char *to_enc(const char *utf8, const char *enc, size_t *len)
{
    iconv_t cd = iconv_open(enc, "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t inl = strlen(utf8), cap = inl * 2 + 16, outl = cap;
    char *out = calloc(1, cap + 1), *o = out, *in = (char *)utf8;
    assert_true(iconv(cd, &in, &inl, &o, &outl) != (size_t)-1);
    iconv_close(cd);
    *len = cap - outl;
    return out;
}

#define JP_CONF                                                                                    \
    "<?xml version=\"1.0\" encoding=\"%s\"?>\n"                                                    \
    "<!-- 本番クラスタの設定 〜 ファイルサーバ -->\n"                             \
    "<root>\n"                                                                                     \
    "  <all><charset>EUC-JP</charset><encode>%s</encode></all>\n"                                  \
    "  <cluster><name>c1</name><comment>日本語のコメント</comment></cluster>\n"            \
    "  <server name=\"s1\"><priority>0</priority><device id=\"0\"><type>lan</type>"                \
    "<info>10.0.0.1</info></device></server>\n"                                                    \
    "  <heartbeat><lanhb name=\"lanhb1\"><priority>0</priority><device>0</device></lanhb>"         \
    "</heartbeat>\n"                                                                               \
    "</root>\n"

static void test_eucjp_linux_form(void **state)
{
    (void)state;
    char utf[2048], err[256];
    snprintf(utf, sizeof(utf), JP_CONF, "EUC-JP", "EUC-JP");
    size_t len;
    char *euc = to_enc(utf, "EUC-JP", &len);
    assert_int_equal(clp_confenc_check_linux(euc, len, err, sizeof(err)), 0);
    clp_diag_t d = {0};
    clp_conf_t *c = clp_conf_load_mem(euc, len, "euc.conf", &d);
    assert_non_null(c);
    assert_string_equal(c->cluster.comment, "日本語のコメント");
    clp_conf_free(&c);
    clp_diag_free(&d);
    free(euc);
}

static void test_sjis_windows_form(void **state)
{
    (void)state;
    char utf[2048], err[256];
    /* the WebUI on Windows: SJIS bytes under a declaration that says EUC-JP */
    snprintf(utf, sizeof(utf), JP_CONF, "EUC-JP", "SJIS");
    size_t sjlen;
    char *sjis = to_enc(utf, "CP932", &sjlen);
    assert_int_equal(clp_confenc_check_linux(sjis, sjlen, err, sizeof(err)), 0); /* says EUC-JP */
    char *lin = NULL;
    size_t linlen = 0;
    int line = -1;
    assert_int_equal(clp_confenc_from_windows(sjis, sjlen, &lin, &linlen, &line, err, sizeof(err)),
                     0);
    assert_memory_not_equal(lin, sjis, sjlen < linlen ? sjlen : linlen);
    clp_diag_t d = {0};
    clp_conf_t *c = clp_conf_load_mem(lin, linlen, "w.conf", &d);
    if (!c) {
        clp_diag_print(stderr, &d);
    }
    assert_non_null(c);
    assert_string_equal(c->cluster.comment, "日本語のコメント");
    assert_string_equal(c->encoding, "EUC-JP");
    clp_conf_free(&c);
    clp_diag_free(&d);
    /* --pull -w gives the same bytes back (the wave dash too) */
    char *back = NULL;
    size_t backlen = 0;
    assert_int_equal(clp_confenc_to_windows(lin, linlen, &back, &backlen, &line, err, sizeof(err)),
                     0);
    assert_int_equal(backlen, sjlen);
    assert_memory_equal(back, sjis, sjlen);
    free(back);
    free(lin);
    free(sjis);

    /* a file that declares SJIS: refused with -l, converted and re-declared with -w */
    snprintf(utf, sizeof(utf), JP_CONF, "SJIS", "SJIS");
    sjis = to_enc(utf, "CP932", &sjlen);
    assert_int_equal(clp_confenc_check_linux(sjis, sjlen, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "-w"));
    assert_int_equal(clp_confenc_from_windows(sjis, sjlen, &lin, &linlen, &line, err, sizeof(err)),
                     0);
    char enc[32];
    clp_confenc_declared(lin, linlen, enc, sizeof(enc));
    assert_string_equal(enc, "EUC-JP");
    c = clp_conf_load_mem(lin, linlen, "w2.conf", &d);
    assert_non_null(c);
    assert_string_equal(c->cluster.comment, "日本語のコメント");
    clp_conf_free(&c);
    clp_diag_free(&d);
    free(lin);
    free(sjis);
}

static void test_encoding_errors(void **state)
{
    (void)state;
    char err[256], *out = NULL;
    size_t outlen;
    int line = 0;
    /* line 3 holds a byte that starts no CP932 character */
    const char bad[] = "<?xml version=\"1.0\" encoding=\"EUC-JP\"?>\n<root>\n<!-- \x80\xff -->\n"
                       "</root>\n";
    assert_int_equal(
        clp_confenc_from_windows(bad, sizeof(bad) - 1, &out, &outlen, &line, err, sizeof(err)),
        -EILSEQ);
    assert_int_equal(line, 3);
    /* a circled digit (CP932 0x8740) has no EUC-JP form: error on its line */
    const char circled[] = "<?xml version=\"1.0\" encoding=\"EUC-JP\"?>\n<root>\n\n"
                           "<!-- \x87\x40 -->\n</root>\n";
    assert_int_equal(clp_confenc_from_windows(circled, sizeof(circled) - 1, &out, &outlen, &line,
                                              err, sizeof(err)),
                     -EILSEQ);
    assert_int_equal(line, 4);
    assert_non_null(strstr(err, "EUC-JP cannot hold"));
    /* ASCII is never changed, whatever the form */
    const char ascii[] = "<root/>\n";
    assert_int_equal(
        clp_confenc_from_windows(ascii, sizeof(ascii) - 1, &out, &outlen, &line, err, sizeof(err)),
        0);
    assert_int_equal(outlen, sizeof(ascii) - 1);
    assert_memory_equal(out, ascii, outlen);
    free(out);
    /* no declaration: one is put before the first line's content (lines do not move) */
    const char nodecl[] = "<root><!-- \x82\xa0 --></root>\n";
    assert_int_equal(clp_confenc_from_windows(nodecl, sizeof(nodecl) - 1, &out, &outlen, &line, err,
                                              sizeof(err)),
                     0);
    assert_non_null(strstr(out, "<?xml version=\"1.0\" encoding=\"EUC-JP\"?><root>"));
    assert_ptr_equal(strchr(out, '\n'), out + outlen - 1);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_dir_round_trip),
        cmocka_unit_test(test_check_scripts),
        cmocka_unit_test(test_stage_commit),
        cmocka_unit_test(test_eucjp_linux_form),
        cmocka_unit_test(test_sjis_windows_form),
        cmocka_unit_test(test_encoding_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
