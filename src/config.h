/*
 * config.h - command-line flags and CASESD_* environment variables.
 *
 * Precedence: built-in default < environment variable < flag.
 */
#ifndef CASESD_CONFIG_H
#define CASESD_CONFIG_H

#include <stdio.h>

#include "app.h"

#define CASESD_VERSION "0.1.0"
#define CASESD_DEFAULT_PORT 8455

typedef enum {
    CONFIG_OK,
    CONFIG_EXIT,  /* --help or --version was served: exit 0 */
    CONFIG_ERROR, /* a message was printed: exit 2 */
} config_status;

config_status config_load(app_config *cfg, int argc, char **argv);
void config_usage(FILE *out);

#endif
