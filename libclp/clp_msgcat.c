/*
 * clp_msgcat: the catalogue rows (X4.2 Linux message list, reference §8.2) and
 * the %n formatter.
 */
#include "clp_msgcat.h"

#include <string.h>

#define A CLP_DEST_ALERT
#define S CLP_DEST_SYSLOG
#define M CLP_DEST_MAIL
#define T CLP_DEST_TRAP
#define E CLP_LVL_ERROR
#define W CLP_LVL_WARNING
#define I CLP_LVL_INFO

static const clp_msgdef_t catalogue[] = {
    /* pm: cluster daemon */
    {"pm", 1, I, A | S, "Starting the cluster daemon..."},
    {"pm", 2, I, A | S, "Shutting down the cluster daemon..."},
    {"pm", 3, I, A | S, "Shutdown monitoring is started..."},
    {"pm", 10, E, A | S, "The cluster daemon has already started."},
    {"pm", 11, E, A | S | M | T, "A critical error occurred in the cluster daemon."},
    {"pm", 13, E, A | S | M | T, "A problem was detected in cluster configuration data."},
    {"pm", 14, E, A | S, "No cluster configuration data is found."},
    {"pm", 15, E, A | S, "No information about this server is found in the cluster configuration data."},
    {"pm", 20, E, A | S | M | T, "Process %1 was terminated abnormally."},
    {"pm", 21, E, A | S, "The system will be stopped because the cluster daemon process terminated abnormally."},
    {"pm", 22, E, A | S | M | T, "An error occurred when initializing process %1.(return code:%2)"},
    {"pm", 23, I, A | S, "The system will be stopped."},
    {"pm", 24, I, A | S, "The cluster daemon will be stopped."},
    {"pm", 25, I, A | S, "The system will be rebooted."},
    {"pm", 26, I, A | S, "Process %1 will be restarted."},
    {"pm", 30, I, A | S, "Received a request to stop the system from %1."},
    {"pm", 31, I, A | S, "Received a request to stop the cluster daemon from %1."},
    {"pm", 32, I, A | S, "Received a request to reboot the system from %1."},
    {"pm", 33, I, A | S, "Received a request to restart the cluster daemon from %1."},
    {"pm", 34, I, A | S, "Received a request to resume the cluster daemon from %1."},
    {"pm", 35, I, A | S, "Received a request to suspend the cluster daemon from %1."},
    /* cl: clpcl requests */
    {"cl", 1, I, A | S, "There was a request to start %1 from the %2."},
    {"cl", 2, I, A | S, "There was a request to stop %1 from the %2."},
    {"cl", 3, I, A | S, "There was a request to suspend %1 from the %2."},
    {"cl", 4, I, A | S, "There was a request to resume %1 from the %2."},
    {"cl", 11, E, A | S, "A request to start %1 failed(%2)."},
    {"cl", 12, E, A | S, "A request to stop %1 failed(%2)."},
    {"cl", 13, E, A | S, "A request to suspend %1 failed(%2)."},
    {"cl", 14, E, A | S, "A request to resume %1 failed(%2)."},
    {"cl", 18, W, A | S, "Automatic start is suspended because the cluster service was not stopped according to the normal procedure."},
    /* down: clpdown / clpstdn */
    {"down", 1, I, A | S, "There was a request to shutdown %1 from the %2."},
    {"down", 2, I, A | S, "There was a request to reboot %1 from the %2."},
    {"down", 11, E, A | S, "A request to shutdown %1 failed(%2)."},
    {"down", 12, E, A | S, "A request to reboot %1 failed(%2)."},
    /* monp: process supervisor (clpsvc) */
    {"monp", 1, E, A | S, "An error occurred when initializing monitored process %1. (status=%2)"},
    {"monp", 2, E, A | S, "Monitor target process %1 terminated abnormally. (status=%2)"},
    {"monp", 3, I, A | S, "Monitor target process %1 will be restarted."},
    {"monp", 4, I, A | S, "Monitor target process %1 has been restarted. (pid=%2)"},
    {"monp", 5, E, A | S, "Monitor target process %1 keeps terminating; restarting it after %2 seconds."},
    /* evt / cfmgr / webmgr */
    {"cfmgr", 1, I, A | S, "The cluster configuration data has been uploaded by %1."},
    {"webmgr", 21, W, A | S, "HTTPS configuration isn't correct, HTTPS mode doesn't work. Please access WebManager by HTTP mode."},
    {NULL, 0, 0, 0, NULL},
};

const clp_msgdef_t *clp_msgcat_find(const char *module, unsigned id)
{
    for (const clp_msgdef_t *d = catalogue; d->module; d++) {
        if (d->id == id && strcmp(d->module, module) == 0) {
            return d;
        }
    }
    return NULL;
}

const clp_msgdef_t *clp_msgcat_all(void)
{
    return catalogue;
}

size_t clp_msgcat_format(const char *text, const char *const *args, char *out, size_t n)
{
    size_t len = 0;
    int nargs = 0;

    while (args && args[nargs]) {
        nargs++;
    }
    for (const char *p = text; *p; p++) {
        const char *piece = p;
        size_t plen = 1;
        if (p[0] == '%' && p[1] >= '1' && p[1] <= '9') {
            int i = p[1] - '1';
            piece = i < nargs ? args[i] : "";
            plen = strlen(piece);
            p++;
        }
        for (size_t k = 0; k < plen; k++) {
            if (n && len + 1 < n) {
                out[len] = piece[k];
            }
            len++;
        }
    }
    if (n) {
        out[len < n ? len : n - 1] = '\0';
    }
    return len;
}

const char *clp_msgcat_level_name(int level)
{
    switch (level) {
    case CLP_LVL_ERROR:
        return "ERROR";
    case CLP_LVL_WARNING:
        return "WARNING";
    default:
        return "INFO";
    }
}
