/*
 * main.c - casesd: flags, start-up, and an orderly stop on SIGINT/SIGTERM.
 *
 * Start-up builds everything immutable once (router, validator with its
 * compiled patterns, store pool, token key) into one app value that every
 * request reads.  Signals are blocked in all threads and taken here with
 * sigwait(), so no handler runs in a signal context.
 */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/api.h"
#include "auth/principals.h"
#include "config.h"
#include "http/reply_cache.h"
#include "http/server.h"
#include "util/timeutil.h"

/* Budget of the reply cache: a few thousand configuration answers. */
#define REPLY_CACHE_BYTES (8u * 1024u * 1024u)

/* Router, validator and handler table of one API. */
static int build_service(app_service *svc, const model_service *model,
                         const store *st, char *err, size_t errlen)
{
    svc->model = model;
    svc->router = router_new(model);
    svc->validator = validator_new(model, err, errlen);
    if (!svc->router || !svc->validator ||
        api_bind_handlers(model, svc->handlers) != 0) {
        if (!err[0])
            snprintf(err, errlen, "cannot build the %s request router",
                     model->service);
        return -1;
    }
    api_mark_writes(model, svc->writes);
    api_mark_long_reads(model, svc->long_reads);
    api_mark_cached(model, svc->cached, svc->invalidates);
    if (store_can_defer(st))
        api_mark_later(model, svc->later);
    return 0;
}

static void free_service(app_service *svc)
{
    validator_free(svc->validator);
    router_free(svc->router);
}

static int load_principals(casesd_app *app, char *err, size_t errlen)
{
    if (!app->cfg.credentials_path[0])
        return 0;
    app->principals = principals_load(app->cfg.credentials_path, err, errlen);
    return app->principals ? 0 : -1;
}

static int build_app(casesd_app *app, char *err, size_t errlen)
{
    unsigned char key[TOKEN_KEY_LEN];
    store_conn *conn;
    int rc;

    if (load_principals(app, err, errlen) != 0)
        return -1;
    /* One connection for each thread that can run a handler. */
    app->store = store_open(app->cfg.store_url,
                            app->cfg.workers + app->cfg.write_threads +
                                app->cfg.search_threads,
                            err, errlen);
    if (!app->store)
        return -1;
    conn = store_acquire(app->store);
    rc = store_token_key(conn, key);
    store_release(app->store, conn);
    if (rc != STORE_OK) {
        snprintf(err, errlen, "cannot read the token key from the store");
        return -1;
    }
    token_codec_init(&app->tokens, key);
    app->replies = reply_cache_new(REPLY_CACHE_BYTES);
    if (!app->replies) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (build_service(&app->services[APP_SERVICE_CASES], &model_connectcases,
                      app->store, err, errlen) != 0 ||
        build_service(&app->services[APP_SERVICE_CONNECT], &model_connect,
                      app->store, err, errlen) != 0)
        return -1;
    return 0;
}

static void free_app(casesd_app *app)
{
    for (int i = 0; i < APP_SERVICE_COUNT; i++)
        free_service(&app->services[i]);
    store_close(app->store);
    principals_free(app->principals);
    reply_cache_free(app->replies);
}

/* Says once, at start-up, who may call; a public unauthenticated server
 * is worth a warning even at --log-level warn. */
static void log_auth_mode(const casesd_app *app)
{
    const app_config *cfg = &app->cfg;

    if (cfg->auth == AUTH_SIGV4 && cfg->log_level >= 2)
        fprintf(stderr, "casesd: auth sigv4: requests must be signed by one "
                        "of %zu principals from %s\n",
                principals_count(app->principals), cfg->credentials_path);
    else if (cfg->auth == AUTH_OFF && cfg->insecure && cfg->log_level >= 1)
        fprintf(stderr, "casesd: warning: auth off on %s (--insecure): any "
                        "caller can act as any account\n", cfg->listen_host);
    else if (cfg->auth == AUTH_OFF && cfg->log_level >= 2)
        fprintf(stderr, "casesd: auth off: signatures are not checked; the "
                        "access key id names the caller\n");
}

static int wait_for_stop_signal(void)
{
    sigset_t set;
    int sig = 0;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigwait(&set, &sig);
    return sig;
}

static void block_stop_signals(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/*
 * glibc gives threads their own malloc arenas, up to eight per core, and
 * each arena keeps what was freed in it: with a write thread per waiting
 * write that was a third of the server's memory.  As many arenas as event
 * threads is as many as can allocate at once on their cores.  An explicit
 * MALLOC_ARENA_MAX in the environment still wins.
 */
static void limit_malloc_arenas(const app_config *cfg)
{
#ifdef M_ARENA_MAX
    if (!getenv("MALLOC_ARENA_MAX"))
        mallopt(M_ARENA_MAX, cfg->workers > 2 ? cfg->workers : 2);
#else
    (void)cfg;
#endif
}

int main(int argc, char **argv)
{
    static casesd_app app;
    char err[512] = "";
    http_server *srv;
    int64_t started = time_mono_ns();
    int sig;

    switch (config_load(&app.cfg, argc, argv)) {
    case CONFIG_EXIT: return 0;
    case CONFIG_ERROR: return 2;
    case CONFIG_OK: break;
    }
    limit_malloc_arenas(&app.cfg);
    block_stop_signals();
    if (build_app(&app, err, sizeof err) != 0) {
        fprintf(stderr, "casesd: %s\n", err);
        free_app(&app);
        return 1;
    }
    srv = http_server_start(&app);
    if (!srv) {
        free_app(&app);
        return 1;
    }
    log_auth_mode(&app);
    if (app.cfg.log_level >= 2)
        fprintf(stderr, "casesd %s listening on %s:%d, store %s (ready in %.1f ms)\n",
                CASESD_VERSION, app.cfg.listen_host, app.cfg.listen_port,
                app.cfg.store_url, (double)(time_mono_ns() - started) / 1e6);
    sig = wait_for_stop_signal();
    if (app.cfg.log_level >= 2)
        fprintf(stderr, "casesd: signal %d, finishing requests in flight\n", sig);
    http_server_stop(srv);
    free_app(&app);
    return 0;
}
