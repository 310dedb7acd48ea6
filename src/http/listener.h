/*
 * listener.h - accepts connections and hands each to the event loop that
 * holds the fewest.
 *
 * Each event loop (a libmicrohttpd daemon with one thread) serves the
 * connections it was given, and a read is answered on that thread.  When
 * the loops accepted connections themselves, whichever woke first took
 * them, and a client's keep-alive connections could all land on one loop:
 * then one core served every request while the other idled, and a
 * benchmark's throughput halved from one run to the next.  The listener
 * owns the socket instead and gives each new connection to the loop with
 * the fewest open.
 */
#ifndef CASESD_LISTENER_H
#define CASESD_LISTENER_H

#include <microhttpd.h>
#include <sys/socket.h>

typedef struct listener listener;

/* Binds and listens on addr, for loop_count event loops.  NULL on failure
 * (reason logged). */
listener *listener_open(const struct sockaddr *addr, socklen_t addr_len,
                        int loop_count);

/* The MHD_OPTION_NOTIFY_CONNECTION callback of every loop, and the
 * argument that makes it count loop i's connections. */
void listener_count(void *slot, struct MHD_Connection *connection,
                    void **socket_context,
                    enum MHD_ConnectionNotificationCode code);
void *listener_slot(listener *l, int i);

/* Starts accepting into loops[0..loop_count), which must have been started
 * with MHD_USE_NO_LISTEN_SOCKET and MHD_USE_ITC.  0, or -1 (logged). */
int listener_start(listener *l, struct MHD_Daemon *const *loops);

/* Stops accepting and closes the socket (NULL is fine).  The loops keep
 * the connections they have. */
void listener_stop(listener *l);
/* Frees l, stopped, once no loop counts into it any more (NULL is fine). */
void listener_free(listener *l);

#endif
