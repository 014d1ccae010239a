#ifndef HERALD_CEPOLL_SHIM_H
#define HERALD_CEPOLL_SHIM_H
/* Linux epoll and eventfd, which Swift's Glibc module does not export: the libcurl loop thread sleeps on them. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif
