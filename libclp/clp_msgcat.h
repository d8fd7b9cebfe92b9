/*
 * clp_msgcat: the message catalogue. Every alert the product emits is one row
 * here with the original's identity (module type, event ID), level, text with
 * %1..%n placeholders and default destinations (reference, section 8).
 * Senders name a row by (module, id) and give the arguments; the text is
 * always built from the catalogue, so a message cannot drift from its ID.
 */
#ifndef CLP_MSGCAT_H
#define CLP_MSGCAT_H

#include <stddef.h>

enum {
    CLP_DEST_ALERT = 1u << 0, /* alert log (WebManager, clpaltlog), replicated */
    CLP_DEST_SYSLOG = 1u << 1,
    CLP_DEST_MAIL = 1u << 2,
    CLP_DEST_TRAP = 1u << 3,
};

enum { CLP_LVL_ERROR = 1, CLP_LVL_WARNING = 2, CLP_LVL_INFO = 3 };

typedef struct {
    const char *module;
    unsigned id;
    int level;     /* CLP_LVL_* */
    unsigned dest; /* CLP_DEST_* defaults */
    const char *text;
} clp_msgdef_t;

/* The row for (module, id), or NULL. The rows live in clp_msgcat_table.c. */
const clp_msgdef_t *clp_msgcat_find(const char *module, unsigned id);

/* Every row, terminated by a row with module == NULL. */
const clp_msgdef_t *clp_msgcat_all(void);

/* The number of rows. */
size_t clp_msgcat_count(void);

/* Substitutes %1..%9 in text with args (NULL-terminated; missing ones become
 * empty). The few texts that keep the original's printf conversions (%s, %d,
 * %#x, 0x%08x, ...) take the argument after the highest one used so far; a
 * numeric argument is formatted by the conversion (so "31" fills %#x as 0x1f),
 * anything else is inserted as it is. Writes at most n bytes including NUL;
 * returns the full length. */
size_t clp_msgcat_format(const char *text, const char *const *args, char *out, size_t n);

/* "ERROR", "WARNING", "INFO". */
const char *clp_msgcat_level_name(int level);

/* Parses a level name as operators write it: INFO, WARN/WARNING, ERR/ERROR
 * (any case). Returns CLP_LVL_* or -EINVAL. */
int clp_msgcat_parse_level(const char *name);

/* The one-letter tag of a level ('E', 'W', 'I'). */
char clp_msgcat_level_letter(int level);

#endif
