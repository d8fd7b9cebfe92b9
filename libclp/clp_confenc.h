/*
 * clp_confenc: the encodings of clp.conf between the original's tools and the
 * servers (clpcfctrl -l / -w).
 *
 * Linux servers keep clp.conf in a Linux encoding, whose XML declaration
 * tells the truth: ASCII, EUC-JP, UTF-8 or GB2312. A file made by the
 * original's WebUI on Windows (-w) holds Shift_JIS bytes (Microsoft's CP932)
 * while its declaration names the product's language, usually EUC-JP
 * (reference 13.1: declared encoding = all/charset, all/encode = SJIS).
 *
 *   -l (Linux form): the bytes are pushed as they are; a file declaring a
 *      Windows encoding (SJIS, Shift_JIS, CP932, Windows-31J) is refused and
 *      must be pushed with -w.
 *   -w (Windows form): the bytes are converted from CP932 to EUC-JP
 *      (glibc's EUC-JP-MS mapping, so that the Windows forms of characters
 *      such as the wave dash round-trip), and when the result is not plain
 *      ASCII its declaration is made to say EUC-JP (inserted if missing).
 *      The result must decode as EUC-JP (what libxml2 reads): a character
 *      EUC-JP cannot hold (NEC's circled digits, for example) is an error
 *      naming its line.
 *   --pull -w: the installed bytes converted from their declared encoding to
 *      CP932; the declaration is kept, as the WebUI writes it.
 *
 * ASCII-only content is never changed. Pure functions; iconv does the work.
 */
#ifndef CLP_CONFENC_H
#define CLP_CONFENC_H

#include <stddef.h>

/* Copies the encoding named in data's XML declaration into out (n bytes), ""
 * when there is none. Returns 0. */
int clp_confenc_declared(const char *data, size_t len, char *out, size_t n);

/* True when name is one of the Windows (Shift_JIS family) encoding names. */
int clp_confenc_is_windows(const char *name);

/* -l: 0 when data may be installed as it is; -EINVAL with a sentence in err
 * when its declaration names a Windows encoding. */
int clp_confenc_check_linux(const char *data, size_t len, char *err, size_t errlen);

/* -w: converts data (CP932 bytes) to the Linux form. On success *out (caller
 * owns, NUL-terminated) and *outlen; on a byte sequence that is not CP932, or
 * a character EUC-JP cannot hold, -EILSEQ with *line (1-based, of the input)
 * and a sentence in err; -ENOMEM; -ENOSYS when iconv lacks a conversion. */
int clp_confenc_from_windows(const char *data, size_t len, char **out, size_t *outlen, int *line,
                             char *err, size_t errlen);

/* --pull -w: converts the installed data from its declared encoding (ASCII,
 * EUC-JP or UTF-8; none = UTF-8) to CP932, keeping the declaration. Same
 * results as clp_confenc_from_windows (*line counts lines of data). */
int clp_confenc_to_windows(const char *data, size_t len, char **out, size_t *outlen, int *line,
                           char *err, size_t errlen);

#endif
