/*
 * The ovsnet CNI plugin as the runtime runs it: a forwarder that starts in a millisecond.
 *
 * A runtime starts the plugin twice per container (ADD, DEL). The work is done by the
 * ovsnet daemon (cni.exec on its control socket: the configuration is read, IPAM run and
 * the answer shaped there), so this program only sends the call -- its environment and
 * stdin -- and writes back what the daemon answers, exiting with the status it names.
 * Node's start-up alone would cost more than the reference plugins' whole call.
 *
 * Anything it does not handle itself goes to the Node plugin (drivers/cni/main.js) with
 * the same stdin: VERSION, a daemon that cannot be reached, an answer it cannot read. The
 * Node plugin then answers with the proper CNI error, so there is one source of errors.
 *
 * Built by `ovsnet-cni install` (drivers/cni/install.ts), which passes the paths:
 *   cc -O2 -DOVSNET_NODE='"/usr/bin/node"' -DOVSNET_CNI_MAIN='"/.../main.js"' shim.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef OVSNET_NODE
#error "define OVSNET_NODE as the path of node, as a C string"
#endif
#ifndef OVSNET_CNI_MAIN
#error "define OVSNET_CNI_MAIN as the path of dist/drivers/cni/main.js, as a C string"
#endif

/* Kept equal to DEFAULT_SOCKET in controller/cni/plugin/config.ts. */
#define DEFAULT_SOCKET "/var/lib/ovsnet/ovsnet.ctl"
/* As the Node plugin's call timeout: a join waits for OVS, which can be slow at scale. */
#define CALL_TIMEOUT_S 60

extern char **environ;

struct text {
    char *data;
    size_t len;
    size_t cap;
};

static const char *stdin_data = "";
static size_t stdin_len = 0;

/* Runs the Node plugin with the same stdin; it answers whatever this program could not. */
static void hand_over(void) {
    int fd = memfd_create("ovsnet-cni-stdin", 0);
    if (fd >= 0) {
        size_t done = 0;
        while (done < stdin_len) {
            ssize_t n = write(fd, stdin_data + done, stdin_len - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            done += (size_t)n;
        }
        if (done == stdin_len && lseek(fd, 0, SEEK_SET) == 0 && dup2(fd, 0) == 0) {
            close(fd);
            char *argv[] = {OVSNET_NODE, OVSNET_CNI_MAIN, NULL};
            execv(OVSNET_NODE, argv);
        }
    }
    int saved = errno;
    printf("{\"cniVersion\":\"1.0.0\",\"code\":999,\"msg\":\"ovsnet CNI shim: cannot run %s: %s\"}\n",
           OVSNET_NODE, strerror(saved));
    exit(1);
}

static void reserve(struct text *t, size_t more) {
    if (t->len + more <= t->cap) return;
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + more) cap *= 2;
    char *grown = realloc(t->data, cap);
    if (grown == NULL) hand_over();
    t->data = grown;
    t->cap = cap;
}

static void append(struct text *t, const char *bytes, size_t n) {
    reserve(t, n);
    memcpy(t->data + t->len, bytes, n);
    t->len += n;
}

static void append_str(struct text *t, const char *s) { append(t, s, strlen(s)); }

/* A JSON string literal; bytes from 0x80 up pass through (the daemon reads UTF-8). */
static void append_json_string(struct text *t, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    reserve(t, n + 2);
    append(t, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char escaped[2] = {'\\', (char)c};
            append(t, escaped, 2);
        } else if (c < 0x20) {
            char escaped[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            append(t, escaped, 6);
        } else {
            append(t, (const char *)&c, 1);
        }
    }
    append(t, "\"", 1);
}

/* --- reading JSON: just enough to find a member of an object and decode a string --- */

static const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

static int hex_value(const char *p, const char *end, unsigned *out) {
    if (end - p < 4) return 0;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

static void append_utf8(struct text *t, unsigned cp) {
    char b[4];
    if (cp < 0x80) {
        b[0] = (char)cp;
        append(t, b, 1);
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        append(t, b, 2);
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        append(t, b, 3);
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        append(t, b, 4);
    }
}

/* p at the opening quote; decodes into out (when given); returns the byte after the closing quote. */
static const char *read_string(const char *p, const char *end, struct text *out) {
    if (p >= end || *p != '"') return NULL;
    p++;
    while (p < end && *p != '"') {
        if (*p != '\\') {
            const char *run = p;
            while (p < end && *p != '"' && *p != '\\') p++;
            if (out) append(out, run, (size_t)(p - run));
            continue;
        }
        if (++p >= end) return NULL;
        char c = *p++;
        unsigned cp;
        switch (c) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            if (!hex_value(p, end, &cp)) return NULL;
            p += 4;
            if (cp >= 0xd800 && cp < 0xdc00) {
                unsigned low;
                if (end - p >= 6 && p[0] == '\\' && p[1] == 'u' && hex_value(p + 2, end, &low) && low >= 0xdc00 &&
                    low < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                    p += 6;
                } else {
                    cp = 0xfffd;
                }
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                cp = 0xfffd;
            }
            break;
        default:
            return NULL;
        }
        if (out) append_utf8(out, cp);
    }
    return p < end ? p + 1 : NULL;
}

static const char *skip_value(const char *p, const char *end, int depth) {
    p = skip_ws(p, end);
    if (p >= end || depth > 64) return NULL;
    if (*p == '"') return read_string(p, end, NULL);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p = skip_ws(p + 1, end);
        if (p < end && *p == close) return p + 1;
        for (;;) {
            if (close == '}') {
                p = read_string(skip_ws(p, end), end, NULL);
                if (p == NULL) return NULL;
                p = skip_ws(p, end);
                if (p >= end || *p != ':') return NULL;
                p++;
            }
            p = skip_value(p, end, depth + 1);
            if (p == NULL) return NULL;
            p = skip_ws(p, end);
            if (p < end && *p == ',') {
                p++;
                continue;
            }
            return p < end && *p == close ? p + 1 : NULL;
        }
    }
    /* numbers, true, false, null */
    const char *start = p;
    while (p < end && strchr(",}] \t\r\n", *p) == NULL) p++;
    return p > start ? p : NULL;
}

/* The value of member `key` of the object at p (after white space), or NULL. */
static const char *member(const char *p, const char *end, const char *key) {
    p = skip_ws(p, end);
    if (p >= end || *p != '{') return NULL;
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}') return NULL;
    struct text name = {0};
    for (;;) {
        name.len = 0;
        p = read_string(skip_ws(p, end), end, &name);
        if (p == NULL) break;
        p = skip_ws(p, end);
        if (p >= end || *p != ':') break;
        p = skip_ws(p + 1, end);
        if (name.len == strlen(key) && memcmp(name.data, key, name.len) == 0) {
            free(name.data);
            return p;
        }
        p = skip_value(p, end, 0);
        if (p == NULL) break;
        p = skip_ws(p, end);
        if (p >= end || *p != ',') break;
        p++;
    }
    free(name.data);
    return NULL;
}

/* --- the call --- */

static void read_stdin(void) {
    struct text in = {0};
    for (;;) {
        reserve(&in, 65536);
        ssize_t n = read(0, in.data + in.len, in.cap - in.len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        in.len += (size_t)n;
    }
    stdin_data = in.data ? in.data : "";
    stdin_len = in.len;
}

/* The configuration's "socket", or the default; the daemon checks everything else. */
static char *socket_path(void) {
    const char *end = stdin_data + stdin_len;
    const char *value = member(stdin_data, end, "socket");
    struct text path = {0};
    if (value != NULL && *value == '"' && read_string(value, end, &path) != NULL && path.len > 0) {
        append(&path, "", 1);
        return path.data;
    }
    return DEFAULT_SOCKET;
}

static int connect_to(const char *path) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) return -1;
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct timeval timeout = {.tv_sec = CALL_TIMEOUT_S};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void request(struct text *t) {
    append_str(t, "{\"id\":1,\"method\":\"cni.exec\",\"params\":{\"env\":{");
    int first = 1;
    for (char **e = environ; *e != NULL; e++) {
        const char *eq = strchr(*e, '=');
        if (eq == NULL || eq == *e) continue;
        if (!first) append(t, ",", 1);
        first = 0;
        append_json_string(t, *e, (size_t)(eq - *e));
        append(t, ":", 1);
        append_json_string(t, eq + 1, strlen(eq + 1));
    }
    append_str(t, "},\"stdin\":");
    append_json_string(t, stdin_data, stdin_len);
    append_str(t, "}}\n");
}

static int send_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        data += n;
        len -= (size_t)n;
    }
    return 1;
}

/* One reply line, without its newline; 0 when the connection ends or times out first. */
static int read_reply(int fd, struct text *reply) {
    for (;;) {
        reserve(reply, 65536);
        ssize_t n = recv(fd, reply->data + reply->len, reply->cap - reply->len, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        char *newline = memchr(reply->data + reply->len, '\n', (size_t)n);
        reply->len += (size_t)n;
        if (newline != NULL) {
            reply->len = (size_t)(newline - reply->data);
            return 1;
        }
    }
}

static void write_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        data += n;
        len -= (size_t)n;
    }
}

int main(void) {
    read_stdin();
    const char *command = getenv("CNI_COMMAND");
    /* An undecodable configuration is answered by Node too: it needs no daemon. */
    if (command == NULL || strcmp(command, "VERSION") == 0 || skip_value(stdin_data, stdin_data + stdin_len, 0) == NULL ||
        *skip_ws(stdin_data, stdin_data + stdin_len) != '{')
        hand_over();
    int fd = connect_to(socket_path());
    if (fd < 0) hand_over();
    struct text call = {0};
    request(&call);
    struct text reply = {0};
    if (!send_all(fd, call.data, call.len) || !read_reply(fd, &reply)) hand_over();
    close(fd);

    /* {"id":1,"result":{"exitCode":N,"stdout":"...","stderr":"..."}}; anything else: Node. */
    const char *end = reply.data + reply.len;
    const char *result = member(reply.data, end, "result");
    if (result == NULL) hand_over();
    const char *code_at = member(result, end, "exitCode");
    const char *stdout_at = member(result, end, "stdout");
    const char *stderr_at = member(result, end, "stderr");
    struct text out = {0}, err = {0};
    char *code_end = NULL;
    long code = code_at ? strtol(code_at, &code_end, 10) : -1;
    if (code_at == NULL || code_end == code_at || code < 0 || code > 255 || stdout_at == NULL ||
        read_string(stdout_at, end, &out) == NULL || (stderr_at != NULL && read_string(stderr_at, end, &err) == NULL))
        hand_over();
    write_all(1, out.data, out.len);
    write_all(2, err.data, err.len);
    return (int)code;
}
