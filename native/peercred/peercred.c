/*
 * peercred: reads the credentials of the process at the other end of a connected Unix
 * socket (Linux SO_PEERCRED; getpeereid on the BSDs and macOS, which gives no pid).
 * One N-API function, getPeerCredentials(fd) -> [pid, uid, gid]; it throws on failure.
 * Loaded, when built, by src/transport/peer-credentials.ts; everything else is in TS.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* struct ucred */
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#include <node_api.h>

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char text[160];
  snprintf(text, sizeof text, "%s: %s", what, strerror(err));
  napi_throw_error(env, "UDS_ERR_PEERCRED", text);
  return NULL;
}

static napi_value get_peer_credentials(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  long long pid = -1, uid = -1, gid = -1;

  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "getPeerCredentials expects a file descriptor (an integer >= 0)");
    return NULL;
  }
#if defined(SO_PEERCRED) && defined(__linux__)
  {
    struct ucred cred;
    socklen_t len = sizeof cred;
    memset(&cred, 0, sizeof cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      return throw_errno(env, "getsockopt(SO_PEERCRED)", errno);
    }
    pid = cred.pid;
    uid = cred.uid;
    gid = cred.gid;
  }
#else
  {
    uid_t u;
    gid_t g;
    if (getpeereid(fd, &u, &g) != 0) return throw_errno(env, "getpeereid", errno);
    uid = u;
    gid = g;
  }
#endif
  napi_value result, v;
  if (napi_create_array_with_length(env, 3, &result) != napi_ok) return NULL;
  napi_create_int64(env, (int64_t)pid, &v);
  napi_set_element(env, result, 0, v);
  napi_create_int64(env, (int64_t)uid, &v);
  napi_set_element(env, result, 1, v);
  napi_create_int64(env, (int64_t)gid, &v);
  napi_set_element(env, result, 2, v);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "getPeerCredentials", NAPI_AUTO_LENGTH, get_peer_credentials, NULL, &fn) != napi_ok) {
    return NULL;
  }
  if (napi_set_named_property(env, exports, "getPeerCredentials", fn) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
