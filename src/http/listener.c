/* listener.c - one accepting thread for every event loop (see listener.h). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/listener.h"

#define LISTEN_BACKLOG 1024
/* After a failed accept (out of descriptors or memory), before the next. */
#define ACCEPT_RETRY_MS 10

struct listener {
    int fd;
    int loop_count;
    struct MHD_Daemon *const *loops;
    /* Connections handed to each loop and not yet closed.  A connection
     * a loop drops before it starts (out of memory) is never told of, and
     * stays counted: a rare error, and it only skews the choice. */
    atomic_int *open;
    int next;          /* where the search for the least busy starts */
    atomic_bool stopping;
    bool started;
    pthread_t thread;
};

listener *listener_open(const struct sockaddr *addr, socklen_t addr_len,
                        int loop_count)
{
    listener *l = calloc(1, sizeof *l);
    int on = 1;

    if (!l)
        return NULL;
    l->fd = -1;
    l->loop_count = loop_count;
    if (loop_count < 1 || !(l->open = calloc((size_t)loop_count,
                                             sizeof *l->open)))
        goto fail;
    l->fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (l->fd < 0)
        goto fail;
    /* A restarted server binds at once, past its old connections'
     * TIME_WAIT. */
    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(l->fd, addr, addr_len) != 0 || listen(l->fd, LISTEN_BACKLOG) != 0)
        goto fail;
    return l;
fail:
    fprintf(stderr, "casesd: cannot listen: %s\n", strerror(errno));
    if (l->fd >= 0)
        close(l->fd);
    free(l->open);
    free(l);
    return NULL;
}

void *listener_slot(listener *l, int i)
{
    return &l->open[i];
}

void listener_count(void *slot, struct MHD_Connection *connection,
                    void **socket_context,
                    enum MHD_ConnectionNotificationCode code)
{
    (void)connection;
    (void)socket_context;
    /* Counted up when handed over (accept_loop): a loop starts the
     * connections it is given later, on its own thread. */
    if (code == MHD_CONNECTION_NOTIFY_CLOSED)
        atomic_fetch_sub((atomic_int *)slot, 1);
}

/* The loop with the fewest open connections; among equals, the one after
 * the last chosen, so a burst of new connections goes round. */
static int least_busy(listener *l)
{
    int best = l->next % l->loop_count;
    int best_open = atomic_load(&l->open[best]);

    for (int k = 1; k < l->loop_count; k++) {
        int i = (l->next + k) % l->loop_count;
        int n = atomic_load(&l->open[i]);
        if (n < best_open) {
            best = i;
            best_open = n;
        }
    }
    l->next = best + 1;
    return best;
}

static void *accept_loop(void *arg)
{
    listener *l = arg;

    pthread_setname_np(pthread_self(), "casesd-accept");
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t peer_len = sizeof peer;
        int fd = accept4(l->fd, (struct sockaddr *)&peer, &peer_len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (atomic_load(&l->stopping))
                break;
            if (errno != EINTR && errno != ECONNABORTED) {
                fprintf(stderr, "casesd: accept: %s\n", strerror(errno));
                usleep(ACCEPT_RETRY_MS * 1000);
            }
            continue;
        }
        int i = least_busy(l);
        atomic_fetch_add(&l->open[i], 1);
        /* The loop owns fd from here, and closes it if it cannot take it. */
        if (MHD_add_connection(l->loops[i], fd, (struct sockaddr *)&peer,
                               peer_len) != MHD_YES)
            atomic_fetch_sub(&l->open[i], 1);
    }
    return NULL;
}

int listener_start(listener *l, struct MHD_Daemon *const *loops)
{
    l->loops = loops;
    if (pthread_create(&l->thread, NULL, accept_loop, l) != 0) {
        fprintf(stderr, "casesd: cannot start the accepting thread\n");
        return -1;
    }
    l->started = true;
    return 0;
}

void listener_stop(listener *l)
{
    if (!l || l->fd < 0)
        return;
    if (l->started) {
        atomic_store(&l->stopping, true);
        shutdown(l->fd, SHUT_RDWR); /* wakes the blocked accept4 */
        pthread_join(l->thread, NULL);
        l->started = false;
    }
    close(l->fd);
    l->fd = -1;
}

void listener_free(listener *l)
{
    if (!l)
        return;
    listener_stop(l);
    free(l->open);
    free(l);
}
