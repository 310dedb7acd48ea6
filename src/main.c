/*
 * main.c - casesd: flags, start-up, and an orderly stop on SIGINT/SIGTERM.
 *
 * Start-up builds everything immutable once (router, validator with its
 * compiled patterns, store pool, token key) into one app value that every
 * request reads.  Signals are blocked in all threads and taken here with
 * sigwait(), so no handler runs in a signal context.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/api.h"
#include "config.h"
#include "http/server.h"
#include "util/timeutil.h"

static int build_app(casesd_app *app, char *err, size_t errlen)
{
    unsigned char key[TOKEN_KEY_LEN];
    store_conn *conn;
    int rc;

    app->store = store_open(app->cfg.store_url, app->cfg.workers, err, errlen);
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
    app->cases_router = router_new(&model_connectcases);
    app->cases_validator = validator_new(&model_connectcases, err, errlen);
    if (!app->cases_router || !app->cases_validator ||
        api_bind_handlers(&model_connectcases, app->cases_handlers) != 0) {
        if (!err[0])
            snprintf(err, errlen, "cannot build the request router");
        return -1;
    }
    return 0;
}

static void free_app(casesd_app *app)
{
    validator_free(app->cases_validator);
    router_free(app->cases_router);
    store_close(app->store);
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
    if (app.cfg.log_level >= 2)
        fprintf(stderr, "casesd %s listening on %s:%d, store %s (ready in %.1f ms)\n",
                CASESD_VERSION, app.cfg.listen_host, app.cfg.listen_port,
                app.cfg.store_url, (double)(time_mono_ns() - started) / 1e6);
    sig = wait_for_stop_signal();
    if (app.cfg.log_level >= 2)
        fprintf(stderr, "casesd: signal %d, finishing requests in flight\n", sig);
    http_server_quiesce(srv);
    http_server_stop(srv);
    free_app(&app);
    return 0;
}
