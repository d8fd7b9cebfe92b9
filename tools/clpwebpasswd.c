/*
 * clpwebpasswd: makes the password hash the WebManager checks.
 *
 *   clpwebpasswd [--operation | --reference] [--stdin]
 *
 * Reads a password (twice from the terminal, or one line from standard input
 * with --stdin) and prints the libsodium crypto_pwhash_str string (Argon2id,
 * "interactive" limits) to put in clp.conf:
 *
 *   <webmgr><security><password>
 *     <operation>$argon2id$v=19$m=65536,t=2,p=1$...</operation>
 *     <reference>$argon2id$...</reference>
 *   </password></security></webmgr>
 *
 * With --operation or --reference it prints the whole element instead.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fputs("usage: clpwebpasswd [--operation | --reference] [--stdin]\n"
          "Prints the hash of a WebManager password for clp.conf\n"
          "(webmgr/security/password/operation or .../reference).\n",
          out);
}

static int read_line(const char *prompt, bool tty, char *buf, size_t n)
{
    struct termios old, quiet;
    if (tty) {
        fputs(prompt, stderr);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *r = fgets(buf, (int)n, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (!r) {
        return -1;
    }
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"operation", no_argument, NULL, 'o'},
        {"reference", no_argument, NULL, 'r'},
        {"stdin", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *elem = NULL;
    bool from_stdin = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
        case 'r':
            if (elem) {
                fputs("clpwebpasswd: choose one of --operation and --reference\n", stderr);
                usage(stderr);
                return 2;
            }
            elem = c == 'o' ? "operation" : "reference";
            break;
        case 's':
            from_stdin = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fputs("clpwebpasswd: unexpected argument\n", stderr);
        usage(stderr);
        return 2;
    }
    if (sodium_init() < 0) {
        fputs("clpwebpasswd: cannot initialise libsodium\n", stderr);
        return 1;
    }
    bool tty = !from_stdin && isatty(STDIN_FILENO);
    char pw[512], again[512];
    if (read_line("Password: ", tty, pw, sizeof(pw)) < 0 || pw[0] == '\0') {
        fputs("clpwebpasswd: no password given\n", stderr);
        return 1;
    }
    if (tty && (read_line("Again: ", tty, again, sizeof(again)) < 0 || strcmp(pw, again) != 0)) {
        fputs("clpwebpasswd: the passwords differ\n", stderr);
        return 1;
    }
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        fputs("clpwebpasswd: out of memory while hashing\n", stderr);
        return 1;
    }
    sodium_memzero(pw, sizeof(pw));
    sodium_memzero(again, sizeof(again));
    if (elem) {
        printf("<%s>%s</%s>\n", elem, hash, elem);
    } else {
        printf("%s\n", hash);
    }
    return 0;
}
