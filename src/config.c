/* config.c - flags, environment and defaults (see config.h). */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

/* cfg->auth until config_load() has read every flag and settled it. */
#define AUTH_DEFAULT ((auth_mode)-1)

enum {
    OPT_LISTEN = 'l',
    OPT_STORE = 's',
    OPT_REGION = 'r',
    OPT_ACCOUNT = 'a',
    OPT_LOG_LEVEL = 'L',
    OPT_WORKERS = 'w',
    OPT_WRITE_THREADS = 'W',
    OPT_SEARCH_THREADS = 'S',
    OPT_IDEMPOTENCY_TTL = 'T',
    OPT_QUOTA = 'q',
    OPT_MAX_BODY = 'B',
    OPT_CREDENTIALS = 'c',
    OPT_AUTH = 'A',
    OPT_INSECURE = 'I',
    OPT_HELP = 'h',
    OPT_VERSION = 'V',
};

static const struct option long_options[] = {
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"store", required_argument, NULL, OPT_STORE},
    {"region", required_argument, NULL, OPT_REGION},
    {"account-id", required_argument, NULL, OPT_ACCOUNT},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"write-threads", required_argument, NULL, OPT_WRITE_THREADS},
    {"search-threads", required_argument, NULL, OPT_SEARCH_THREADS},
    {"idempotency-ttl", required_argument, NULL, OPT_IDEMPOTENCY_TTL},
    {"quota", required_argument, NULL, OPT_QUOTA},
    {"max-body-bytes", required_argument, NULL, OPT_MAX_BODY},
    {"credentials", required_argument, NULL, OPT_CREDENTIALS},
    {"auth", required_argument, NULL, OPT_AUTH},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static const char *const log_levels[] = {"error", "warn", "info", "debug"};

void config_usage(FILE *out)
{
    fprintf(out,
"Usage: casesd [options]\n"
"A self-hosted server for the Amazon Connect Cases API (2022-10-03).\n"
"\n"
"Options (each also read from the environment variable shown):\n"
"  --listen HOST:PORT     address to serve on      CASESD_LISTEN   [127.0.0.1:%d]\n"
"  --store PATH           SQLite database file     CASESD_STORE    [./casesd.db]\n"
"                         (postgresql:// URLs are reserved for the PostgreSQL\n"
"                         store, not available in this build)\n"
"  --region REGION        region when a request names none\n"
"                                                  CASESD_REGION   [us-east-1]\n"
"  --account-id ID        account when the access key is not a 12-digit id\n"
"                                                  CASESD_ACCOUNT_ID [000000000000]\n"
"  --log-level LEVEL      error|warn|info|debug    CASESD_LOG_LEVEL [info]\n"
"  --workers N            HTTP event threads       CASESD_WORKERS  [number of cores]\n"
"  --write-threads N      threads running writes but CreateCase (they wait\n"
"                         for the disk)\n"
"                                                  CASESD_WRITE_THREADS [48]\n"
"  --search-threads N     threads running searches, which may read many rows\n"
"                         (so an event thread never waits through one)\n"
"                                                  CASESD_SEARCH_THREADS\n"
"                                                  [number of cores]\n"
"  --idempotency-ttl SECS how long a CreateCase clientToken is remembered\n"
"                                                  CASESD_IDEMPOTENCY_TTL [28800]\n"
"  --quota NAME=N         override a service quota (repeatable); NAME is one of\n"
"                         domains fields options layouts templates case_rules\n"
"                         deletions layout_fields tags related_items files\n"
"                         slas custom_item_fields\n"
"                                                  CASESD_QUOTAS   [AWS defaults]\n"
"                         (CASESD_QUOTAS takes a comma-separated list)\n"
"  --max-body-bytes N     largest request body     CASESD_MAX_BODY_BYTES [1048576]\n"
"  --credentials FILE     the principals that may call, one per line (format:\n"
"                         docs/credentials.md)     CASESD_CREDENTIALS\n"
"  --auth MODE            sigv4: every request must be signed by a principal\n"
"                         of --credentials; off: any signature is accepted and\n"
"                         the access key id names the caller (development only)\n"
"                                                  CASESD_AUTH [sigv4 with\n"
"                                                  --credentials, else off]\n"
"  --insecure             allow --auth off on an address other than loopback\n"
"                                                  CASESD_INSECURE=1\n"
"  --help                 show this help\n"
"  --version              show the version\n",
            CASESD_DEFAULT_PORT);
}

static void set_defaults(app_config *cfg)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->listen_host, sizeof cfg->listen_host, "127.0.0.1");
    cfg->listen_port = CASESD_DEFAULT_PORT;
    snprintf(cfg->store_url, sizeof cfg->store_url, "./casesd.db");
    snprintf(cfg->region, sizeof cfg->region, "us-east-1");
    snprintf(cfg->account_id, sizeof cfg->account_id, "000000000000");
    cfg->log_level = 2;
    cfg->workers = cores > 0 ? (int)cores : 2;
    cfg->write_threads = 48;
    cfg->search_threads = cores > 0 ? (int)cores : 2;
    cfg->idempotency_ttl_ms = 8LL * 3600 * 1000;
    cfg->max_body_bytes = 1024 * 1024;
    cfg->max_url_bytes = 8192;
    cfg->max_header_bytes = 16 * 1024;
    cfg->max_json_depth = 32;
    cfg->auth = AUTH_DEFAULT;
    cfg->quotas = (quota_config){
        .domains = 5, .fields = 500, .options = 500, .layouts = 100,
        .templates = 100, .case_rules = 500, .deletions = 100,
        .layout_fields = 100, .tags = 50, .related_items = 200, .files = 50,
        .slas = 10, .custom_item_fields = 5,
    };
}

static int parse_int(const char *s, long long min, long long max,
                     long long *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int set_listen(app_config *cfg, const char *value)
{
    const char *colon = strrchr(value, ':');
    long long port;
    size_t host_len;

    if (!colon || parse_int(colon + 1, 0, 65535, &port) != 0)
        return -1;
    host_len = (size_t)(colon - value);
    if (host_len >= 2 && value[0] == '[' && value[host_len - 1] == ']') {
        value++;
        host_len -= 2;
    }
    if (host_len == 0 || host_len >= sizeof cfg->listen_host)
        return -1;
    memcpy(cfg->listen_host, value, host_len);
    cfg->listen_host[host_len] = '\0';
    cfg->listen_port = (int)port;
    return 0;
}

static int set_copy(char *dst, size_t cap, const char *value)
{
    if (!*value || strlen(value) >= cap)
        return -1;
    memcpy(dst, value, strlen(value) + 1);
    return 0;
}

static int set_account(app_config *cfg, const char *value)
{
    if (strlen(value) != 12)
        return -1;
    for (const char *p = value; *p; p++)
        if (!isdigit((unsigned char)*p))
            return -1;
    return set_copy(cfg->account_id, sizeof cfg->account_id, value);
}

static int set_log_level(app_config *cfg, const char *value)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(value, log_levels[i]) == 0) {
            cfg->log_level = i;
            return 0;
        }
    }
    return -1;
}

static int set_auth(app_config *cfg, const char *value)
{
    if (strcmp(value, "sigv4") == 0)
        cfg->auth = AUTH_SIGV4;
    else if (strcmp(value, "off") == 0)
        cfg->auth = AUTH_OFF;
    else
        return -1;
    return 0;
}

/* The flag has no argument; the environment variable says 1 or 0. */
static int set_insecure(app_config *cfg, const char *value)
{
    if (!value || strcmp(value, "1") == 0)
        cfg->insecure = true;
    else if (strcmp(value, "0") == 0)
        cfg->insecure = false;
    else
        return -1;
    return 0;
}

static int64_t *quota_slot(quota_config *q, const char *name, size_t len)
{
    static const struct {
        const char *name;
        size_t offset;
    } slots[] = {
        {"domains", offsetof(quota_config, domains)},
        {"fields", offsetof(quota_config, fields)},
        {"options", offsetof(quota_config, options)},
        {"layouts", offsetof(quota_config, layouts)},
        {"templates", offsetof(quota_config, templates)},
        {"case_rules", offsetof(quota_config, case_rules)},
        {"deletions", offsetof(quota_config, deletions)},
        {"layout_fields", offsetof(quota_config, layout_fields)},
        {"tags", offsetof(quota_config, tags)},
        {"related_items", offsetof(quota_config, related_items)},
        {"files", offsetof(quota_config, files)},
        {"slas", offsetof(quota_config, slas)},
        {"custom_item_fields", offsetof(quota_config, custom_item_fields)},
    };
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++)
        if (strlen(slots[i].name) == len && !strncmp(slots[i].name, name, len))
            return (int64_t *)((char *)q + slots[i].offset);
    return NULL;
}

/* One "name=N" item; len bounds it within a comma-separated list. */
static int set_quota(app_config *cfg, const char *item, size_t len)
{
    const char *eq = memchr(item, '=', len);
    char number[24];
    long long v;
    int64_t *slot;

    if (!eq || (size_t)(item + len - eq - 1) >= sizeof number)
        return -1;
    slot = quota_slot(&cfg->quotas, item, (size_t)(eq - item));
    memcpy(number, eq + 1, (size_t)(item + len - eq - 1));
    number[item + len - eq - 1] = '\0';
    if (!slot || parse_int(number, 0, 1000000000, &v) != 0)
        return -1;
    *slot = v;
    return 0;
}

static int set_quota_list(app_config *cfg, const char *list)
{
    while (*list) {
        size_t len = strcspn(list, ",");
        if (len && set_quota(cfg, list, len) != 0)
            return -1;
        list += len;
        if (*list == ',')
            list++;
    }
    return 0;
}

static int apply(app_config *cfg, int opt, const char *value)
{
    long long n;

    switch (opt) {
    case OPT_LISTEN: return set_listen(cfg, value);
    case OPT_STORE: return set_copy(cfg->store_url, sizeof cfg->store_url, value);
    case OPT_REGION: return set_copy(cfg->region, sizeof cfg->region, value);
    case OPT_ACCOUNT: return set_account(cfg, value);
    case OPT_LOG_LEVEL: return set_log_level(cfg, value);
    case OPT_QUOTA: return set_quota_list(cfg, value);
    case OPT_CREDENTIALS:
        return set_copy(cfg->credentials_path, sizeof cfg->credentials_path,
                        value);
    case OPT_AUTH: return set_auth(cfg, value);
    case OPT_INSECURE: return set_insecure(cfg, value);
    case OPT_WORKERS:
        if (parse_int(value, 1, 256, &n) != 0)
            return -1;
        cfg->workers = (int)n;
        return 0;
    case OPT_WRITE_THREADS:
        if (parse_int(value, 1, 1024, &n) != 0)
            return -1;
        cfg->write_threads = (int)n;
        return 0;
    case OPT_SEARCH_THREADS:
        if (parse_int(value, 1, 256, &n) != 0)
            return -1;
        cfg->search_threads = (int)n;
        return 0;
    case OPT_IDEMPOTENCY_TTL:
        if (parse_int(value, 1, 30LL * 24 * 3600, &n) != 0)
            return -1;
        cfg->idempotency_ttl_ms = n * 1000;
        return 0;
    case OPT_MAX_BODY:
        if (parse_int(value, 1024, 64LL * 1024 * 1024, &n) != 0)
            return -1;
        cfg->max_body_bytes = (size_t)n;
        return 0;
    default:
        return -1;
    }
}

static const struct {
    const char *env;
    int opt;
} env_vars[] = {
    {"CASESD_LISTEN", OPT_LISTEN},       {"CASESD_STORE", OPT_STORE},
    {"CASESD_REGION", OPT_REGION},       {"CASESD_ACCOUNT_ID", OPT_ACCOUNT},
    {"CASESD_LOG_LEVEL", OPT_LOG_LEVEL}, {"CASESD_WORKERS", OPT_WORKERS},
    {"CASESD_QUOTAS", OPT_QUOTA},        {"CASESD_MAX_BODY_BYTES", OPT_MAX_BODY},
    {"CASESD_CREDENTIALS", OPT_CREDENTIALS}, {"CASESD_AUTH", OPT_AUTH},
    {"CASESD_INSECURE", OPT_INSECURE},
    {"CASESD_WRITE_THREADS", OPT_WRITE_THREADS},
    {"CASESD_SEARCH_THREADS", OPT_SEARCH_THREADS},
    {"CASESD_IDEMPOTENCY_TTL", OPT_IDEMPOTENCY_TTL},
};

static bool is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a =
            &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) ||
               (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return false;
}

/* Does every address host resolves to stay on this machine?  A name that
 * does not resolve counts as public: the server would not start anyway. */
static bool host_is_loopback(const char *host)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE};
    struct addrinfo *res = NULL;
    bool all = true;

    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
        return false;
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next)
        all = all && is_loopback(ai->ai_addr);
    freeaddrinfo(res);
    return all;
}

/* Settles the authentication mode once every flag is known, and refuses
 * combinations that would expose an unauthenticated server. */
static config_status check_auth(app_config *cfg)
{
    if (cfg->auth == AUTH_DEFAULT)
        cfg->auth = cfg->credentials_path[0] ? AUTH_SIGV4 : AUTH_OFF;
    if (cfg->auth == AUTH_SIGV4 && !cfg->credentials_path[0]) {
        fprintf(stderr, "casesd: --auth sigv4 needs --credentials FILE\n");
        return CONFIG_ERROR;
    }
    if (cfg->auth == AUTH_OFF && !cfg->insecure &&
        !host_is_loopback(cfg->listen_host)) {
        fprintf(stderr,
                "casesd: refusing to listen on %s with --auth off: it is not "
                "a loopback address, and any caller could act as any "
                "account.  Give --credentials FILE to require signed "
                "requests, or --insecure to serve unauthenticated anyway.\n",
                cfg->listen_host);
        return CONFIG_ERROR;
    }
    return CONFIG_OK;
}

static const char *option_name(int opt)
{
    for (const struct option *o = long_options; o->name; o++)
        if (o->val == opt)
            return o->name;
    return "?";
}

config_status config_load(app_config *cfg, int argc, char **argv)
{
    int opt;

    set_defaults(cfg);
    for (size_t i = 0; i < sizeof env_vars / sizeof env_vars[0]; i++) {
        const char *value = getenv(env_vars[i].env);
        if (value && apply(cfg, env_vars[i].opt, value) != 0) {
            fprintf(stderr, "casesd: invalid %s=%s\n", env_vars[i].env, value);
            return CONFIG_ERROR;
        }
    }
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        if (opt == OPT_HELP) {
            config_usage(stdout);
            return CONFIG_EXIT;
        }
        if (opt == OPT_VERSION) {
            printf("casesd %s\n", CASESD_VERSION);
            return CONFIG_EXIT;
        }
        if (opt == '?' || apply(cfg, opt, optarg) != 0) {
            if (opt != '?')
                fprintf(stderr, "casesd: invalid --%s %s\n", option_name(opt),
                        optarg);
            config_usage(stderr);
            return CONFIG_ERROR;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "casesd: unexpected argument %s\n", argv[optind]);
        return CONFIG_ERROR;
    }
    return check_auth(cfg);
}
