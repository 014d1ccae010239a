#ifndef HERALD_CCURL_SHIM_H
#define HERALD_CCURL_SHIM_H
/* Swift cannot call C variadic functions, so every curl_*_setopt / getinfo form Herald uses has a typed,
   non-variadic wrapper here. Each returns libcurl's own result code; the Swift side checks every one. */
#include <curl/curl.h>

typedef size_t (*herald_curl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);

static inline CURLcode herald_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode herald_easy_setopt_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode herald_easy_setopt_str(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode herald_easy_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode herald_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode herald_easy_setopt_cb(CURL *h, CURLoption o, herald_curl_data_cb v) { return curl_easy_setopt(h, o, v); }

static inline CURLcode herald_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode herald_easy_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode herald_easy_getinfo_ptr(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }

static inline CURLMcode herald_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode herald_multi_setopt_ptr(CURLM *m, CURLMoption o, void *v) { return curl_multi_setopt(m, o, v); }

/* The socket interface (curl_multi_socket_action): libcurl says which sockets to watch and when its timer is due,
   so an event loop only touches the transfers that have something to do. */
typedef int (*herald_curl_socket_cb)(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp);
typedef int (*herald_curl_timer_cb)(CURLM *multi, long timeout_ms, void *userp);
static inline CURLMcode herald_multi_setopt_socket_cb(CURLM *m, herald_curl_socket_cb v) {
    return curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, v);
}
static inline CURLMcode herald_multi_setopt_timer_cb(CURLM *m, herald_curl_timer_cb v) {
    return curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, v);
}
#endif
