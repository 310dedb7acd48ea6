/*
 * server.h - the HTTP front end on libmicrohttpd.
 *
 * One libmicrohttpd daemon per worker, each a thread with its own event
 * loop (epoll), serves the connections the listener (listener.h) hands
 * it; a request is handled on the loop that read it.  The
 * callback contract is followed exactly: the first call for a request sets
 * up its context, later calls read the body, the last call handles and
 * answers it, and the completion callback frees the context.
 */
#ifndef CASESD_SERVER_H
#define CASESD_SERVER_H

#include "app.h"

typedef struct http_server http_server;

/* Starts listening on app->cfg.listen_host:listen_port. NULL on failure
 * (reason logged). */
http_server *http_server_start(const casesd_app *app);
/* Finishes the writes in flight (and answers them), then stops the
 * workers, closes every connection and frees the server.  (libmicrohttpd's
 * quiesce call is not used: under load it aborted the process once.) */
void http_server_stop(http_server *srv);

#endif
