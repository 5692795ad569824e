/* The simulator's compiled hot path: event heap, message send and delivery, handler
 * invocation, and the recording of message events into flat columns.
 *
 * It is the twin of meshlab/sim/_core_py.py and must behave exactly like it: the same
 * (time, ticket) order, the same calls into Python in the same order (so the seeded RNG
 * draws the same numbers), the same events. tests/test_sim_golden.py pins the traces of
 * both. Everything that is rare (drops, crashes, routes, timers, supervision) stays in
 * Python and is called back by name; only what runs for every message lives here.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <structmember.h>

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#define NOINLINE __attribute__((noinline))
#else
#define ALWAYS_INLINE inline
#define NOINLINE
#endif

/* kind codes (K_SEND, K_RECV, K_HANDLE, ...): generated from meshlab.events.KINDS */
#include "_core_kinds.h"

/* The mesh methods the core calls back: exactly those of meshlab.sim.hooks.MeshHooks
 * (tests/test_sim_hooks.py reads HOOK_NAMES below). */
static PyObject *s_drop, *s_route, *s_lose, *s_crashed, *s_cost;
static PyObject *s_handler, *s_sample, *s_random, *s_append, *s_popleft, *s_dead_letter,
    *s_partition, *s_node_down, *s_mailbox_full;
static PyObject *down_states; /* meshlab.sim.hooks.DOWN_STATES, read at import */

#include "_core_memory.h"

/* ---- heap of pending entries ---------------------------------------------------------- */

enum { P_CALL, P_DELIVER, P_FINISH };

typedef struct Payload Payload;
/* CALL:    a=fn, b=arg
 * DELIVER: a=src id, b=src node, c=dst id, d=dst node, e=msg type, f=body, g=dst cell;
 *          `info` (when recording) the columns its receive and handle record, size included
 * FINISH:  a=cell, b=src id, c=msg type, d=body */

typedef struct {
    double t;
    long long ticket;
    Payload *p;
} Item;

/* An Arrow string view (the layout polars uses inside): short strings inline, longer ones
 * as a prefix plus an offset into one data buffer. */
typedef struct {
    uint32_t len;
    union {
        char inl[12];
        struct {
            char prefix[4];
            uint32_t buf, off;
        } ref;
    } u;
} View;

typedef struct {
    PyObject *obj; /* strong */
    long code;
} CodeCache;

#include "_core_record.h"

struct Payload {
    int kind;
    long long mid; /* DELIVER: msg id; FINISH: the incarnation it belongs to */
    PyObject *a, *b, *c, *d, *e, *f, *g;
    MsgInfo info;
};

/* ---- object layouts --------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *id, *node, *cls, *args, *kwargs, *parent, *mailbox, *children, *spec, *ctx,
        *behaviour, *handlers, *cost, *limit;
    int inc;
    char alive, busy;
    /* Caches of the hot path, keyed by object identity (a miss just looks up again):
     * string codes of this actor's id, its node and the last message type it sent, and the
     * route it last sent on (valid while the engine's route epoch is unchanged). */
    CodeCache c_id, c_node, c_mtype;
    PyObject *rt_src, *rt_dst, *rt_route;
    long long rt_epoch;
} CellObject;

typedef struct {
    PyObject_HEAD
    PyObject *mesh, *cell, *sender;
} ContextObject;

typedef struct {
    PyObject_HEAD
    double now;
    long long ticket, mid;
    long long taken; /* events handed over by _take so far */
    /* Limits against runaway student code (see limits.py): entries run in all and at the
     * current instant, their caps, and which cap stopped the last run (0 none, 1 the
     * per-instant cap, 2 the total). Two compares per entry, no call. */
    long long steps, max_steps, same, max_same;
    int limit_hit;
    char recording;
    PyObject *cells, *nodes, *routes, *cut, *rng;
    PyObject *lost; /* ids of messages to lose on arrival (a what-if fork's change) */
    PyObject *codes; /* string table: str -> code; code 0 stands for None */
    View *views;     /* code -> Arrow string view into sdata */
    Py_ssize_t nviews, vcap;
    char *sdata; /* the UTF-8 bytes of every string in the table, back to back */
    Py_ssize_t slen, scap;
    long long routes_epoch; /* bumped by the mesh whenever it forgets its routes */
    Item *heap;
    Py_ssize_t hn, hcap;
    Payload **pool;
    Py_ssize_t pn, pcap;
    Frame frame; /* every event recorded since the last _take */
} EngineObject;

static PyTypeObject CellType, ContextType, EngineType;

/* ---- payloads ------------------------------------------------------------------------- */

static Payload *payload_new(EngineObject *e, int kind) {
    Payload *p = e->pn ? e->pool[--e->pn] : PyMem_Malloc(sizeof(Payload));
    if (!p) {
        PyErr_NoMemory();
        return NULL;
    }
    p->kind = kind;
    p->mid = 0;
    p->a = p->b = p->c = p->d = p->e = p->f = p->g = NULL; /* `info`: set when used */
    return p;
}

static void payload_release(EngineObject *e, Payload *p) {
    Py_CLEAR(p->a);
    Py_CLEAR(p->b);
    Py_CLEAR(p->c);
    Py_CLEAR(p->d);
    Py_CLEAR(p->e);
    Py_CLEAR(p->f);
    Py_CLEAR(p->g);
    if (e->pn < e->pcap) {
        e->pool[e->pn++] = p;
        return;
    }
    Py_ssize_t cap = e->pcap ? e->pcap * 2 : 256;
    Payload **pool = PyMem_Realloc(e->pool, (size_t)cap * sizeof(Payload *));
    if (!pool) {
        PyMem_Free(p);
        return;
    }
    e->pool = pool;
    e->pcap = cap;
    e->pool[e->pn++] = p;
}

static inline int item_lt(const Item *x, const Item *y) {
    return x->t < y->t || (x->t == y->t && x->ticket < y->ticket);
}

/* Push with the next ticket, so equal times keep their scheduling order. Steals p. */
static int heap_push(EngineObject *e, double t, Payload *p) {
    if (e->hn == e->hcap) {
        Py_ssize_t cap = e->hcap ? e->hcap * 2 : 1024;
        Item *h = PyMem_Realloc(e->heap, (size_t)cap * sizeof(Item));
        if (!h) {
            payload_release(e, p);
            PyErr_NoMemory();
            return -1;
        }
        e->heap = h;
        e->hcap = cap;
    }
    Item it = {t, ++e->ticket, p};
    Py_ssize_t i = e->hn++;
    while (i > 0) {
        Py_ssize_t up = (i - 1) >> 1;
        if (!item_lt(&it, &e->heap[up])) break;
        e->heap[i] = e->heap[up];
        i = up;
    }
    e->heap[i] = it;
    return 0;
}

static Item heap_pop(EngineObject *e) {
    Item top = e->heap[0];
    Item last = e->heap[--e->hn];
    Py_ssize_t n = e->hn, i = 0;
    while (1) {
        Py_ssize_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && item_lt(&e->heap[c + 1], &e->heap[c])) c++;
        if (!item_lt(&e->heap[c], &last)) break;
        e->heap[i] = e->heap[c];
        i = c;
    }
    if (n) e->heap[i] = last;
    return top;
}

/* ---- recording ------------------------------------------------------------------------ */

/* Append the view of `s` to the table; NULL gives the all-zero view of code 0 (None). */
static int add_view(EngineObject *e, PyObject *s) {
    Py_ssize_t len = 0;
    const char *utf8 = s ? PyUnicode_AsUTF8AndSize(s, &len) : "";
    if (!utf8) return -1;
    if (e->nviews == e->vcap) {
        Py_ssize_t cap = e->vcap ? e->vcap * 2 : 256;
        View *v = PyMem_Realloc(e->views, (size_t)cap * sizeof(View));
        if (!v) return PyErr_NoMemory(), -1;
        e->views = v;
        e->vcap = cap;
    }
    View *v = &e->views[e->nviews++];
    memset(v, 0, sizeof(View));
    v->len = (uint32_t)len;
    if (len <= 12) {
        memcpy(v->u.inl, utf8, len);
        return 0;
    }
    if (e->slen + len > e->scap) {
        Py_ssize_t cap = e->scap ? e->scap : 4096;
        while (cap < e->slen + len) cap *= 2;
        char *d = PyMem_Realloc(e->sdata, cap);
        if (!d) return PyErr_NoMemory(), -1;
        e->sdata = d;
        e->scap = cap;
    }
    memcpy(v->u.ref.prefix, utf8, 4);
    v->u.ref.buf = 0;
    v->u.ref.off = (uint32_t)e->slen;
    memcpy(e->sdata + e->slen, utf8, len);
    e->slen += len;
    return 0;
}

/* The code of a string in the table (0 for None), adding it on first sight. */
static long intern(EngineObject *e, PyObject *s) {
    if (s == Py_None || s == NULL) return 0;
    PyObject *code = PyDict_GetItemWithError(e->codes, s);
    if (code) return PyLong_AsLong(code);
    if (PyErr_Occurred()) return -1;
    if (!PyUnicode_Check(s)) {
        PyErr_Format(PyExc_TypeError, "a recorded name must be a str, got %R", s);
        return -1;
    }
    Py_ssize_t n = e->nviews;
    PyObject *v = PyLong_FromSsize_t(n);
    if (!v) return -1;
    int rc = PyDict_SetItem(e->codes, s, v);
    Py_DECREF(v);
    if (rc < 0 || add_view(e, s) < 0) return -1;
    return (long)n;
}

static inline long cached_code(EngineObject *e, CodeCache *c, PyObject *s) {
    if (c->obj == s) return c->code;
    long code = intern(e, s);
    if (code >= 0) {
        Py_INCREF(s);
        Py_XSETREF(c->obj, s);
        c->code = code;
    }
    return code;
}

/* A new row of kind `code` in the frame; -1 with MemoryError set. */
static inline Py_ssize_t log_kind(EngineObject *e, uint8_t code) {
    return frame_row(&e->frame, code);
}

/* The size argument of a send as recorded: -1 for None, else checked to fit the column. */
static int size_of(PyObject *size, long long *out) {
    *out = -1;
    if (size == NULL || size == Py_None) return 0;
    long long sz = PyLong_AsLongLong(size);
    if (sz == -1 && PyErr_Occurred()) return -1;
    if (sz < 0 || sz > UINT32_MAX) {
        PyErr_Format(PyExc_ValueError, "size must fit in 0..2**32-1, got %lld", sz);
        return -1;
    }
    *out = sz;
    return 0;
}

/* Records a send and works out what its receive and handle will record (`info`). */
static int record_send(EngineObject *e, long long mid, CellObject *cell, CellObject *target,
                       PyObject *src_node, PyObject *dst, PyObject *dst_node, PyObject *mtype,
                       PyObject *size, double latency, PyObject *reason, MsgInfo *info) {
    long long sz;
    if (size_of(size, &sz) < 0) return -1;
    long c_node = cached_code(e, &cell->c_node, src_node),
         c_actor = cached_code(e, &cell->c_id, cell->id),
         c_peer = target ? cached_code(e, &target->c_id, dst) : intern(e, dst),
         c_pnode = target ? cached_code(e, &target->c_node, dst_node) : intern(e, dst_node),
         c_mtype = cached_code(e, &cell->c_mtype, mtype),
         c_reason = reason == Py_None ? 0 : intern(e, reason);
    if (c_node < 0 || c_actor < 0 || c_peer < 0 || c_pnode < 0 || c_mtype < 0 || c_reason < 0)
        return -1;
    Py_ssize_t i = log_kind(e, K_SEND);
    if (i < 0) return -1;
    /* a name or type that is None is rare: both rows' flags from one test of the shared codes */
    int null = !c_actor || !c_peer || !c_mtype;
    MsgInfo row = {(uint32_t)c_node, (uint32_t)c_actor, (uint32_t)c_peer, (uint32_t)c_mtype, sz,
                   null || !c_node};
    if (frame_msg_rows(&e->frame, e->views, i, 1, e->now, (uint32_t)cell->inc, (uint64_t)mid,
                       &row, &latency, (uint32_t)c_reason) < 0)
        return -1;
    info->node = (uint32_t)c_pnode;
    info->actor = (uint32_t)c_peer;
    info->peer = (uint32_t)c_actor;
    info->mtype = (uint32_t)c_mtype;
    info->size = sz;
    info->null = null || !c_pnode;
    return 0;
}

/* A receive or a handle (with its duration) of message `mid`, by the incarnation `inc` of
 * its receiver; the other columns as its send worked them out (`m`). */
/* (Not inlined: the message path with recording off stays as small as without a recorder.) */
static NOINLINE int record_msg(EngineObject *e, uint8_t kind, const MsgInfo *m, long long mid,
                             int inc, const double *duration) {
    Py_ssize_t i = log_kind(e, kind);
    if (i < 0) return -1;
    return frame_msg_rows(&e->frame, e->views, i, 1, e->now, (uint32_t)inc, (uint64_t)mid, m,
                          duration, 0);
}

/* A receive and the handle that follows it at once (a handler with a fixed cost, free to
 * start): both rows in one go, from one read of what the message carries. */
static NOINLINE int record_recv_handle(EngineObject *e, const MsgInfo *m, long long mid, int inc,
                              double cost) {
    Py_ssize_t i = frame_rows2(&e->frame, K_RECV, K_HANDLE);
    if (i < 0) return -1;
    return frame_msg_rows(&e->frame, e->views, i, 2, e->now, (uint32_t)inc, (uint64_t)mid, m,
                          &cost, 0);
}

/* What the send of a queued message worked out, again, for its handle: the receiver's node
 * and id are its cell's (a queued message's cell has not moved: a mailbox is emptied when
 * its actor's life ends), the sender and type are looked up. */
static int queued_info(EngineObject *e, CellObject *cell, PyObject *src, PyObject *mtype,
                       PyObject *size, MsgInfo *info) {
    long node = cached_code(e, &cell->c_node, cell->node),
         actor = cached_code(e, &cell->c_id, cell->id), peer = intern(e, src),
         type = intern(e, mtype);
    if (node < 0 || actor < 0 || peer < 0 || type < 0 || size_of(size, &info->size) < 0)
        return -1;
    info->node = (uint32_t)node;
    info->actor = (uint32_t)actor;
    info->peer = (uint32_t)peer;
    info->mtype = (uint32_t)type;
    msg_info_nulls(info);
    return 0;
}

/* ---- calls back into the mesh --------------------------------------------------------- */

static int call_drop(EngineObject *e, PyObject *node, PyObject *dst, PyObject *src,
                     long long mid, PyObject *mtype, PyObject *reason) {
    PyObject *m = PyLong_FromLongLong(mid);
    if (!m) return -1;
    PyObject *args[] = {(PyObject *)e, node, dst, src, m, mtype, reason};
    PyObject *r = PyObject_VectorcallMethod(s_drop, args, 7 | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                            NULL);
    Py_DECREF(m);
    if (!r) return -1;
    Py_DECREF(r);
    return 0;
}

/* A handler raised: an Exception crashes the actor (the mesh decides what that means);
 * anything else (KeyboardInterrupt, SystemExit) propagates. */
static int crashed(EngineObject *e, CellObject *cell) {
    if (!PyErr_ExceptionMatches(PyExc_Exception)) return -1;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb) PyException_SetTraceback(value, tb);
    PyObject *r = PyObject_CallMethodObjArgs((PyObject *)e, s_crashed, (PyObject *)cell, value,
                                             NULL);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    if (!r) return -1;
    Py_DECREF(r);
    return 0;
}

static int str_eq(PyObject *a, PyObject *b) {
    if (a == b) return 1;
    return PyObject_RichCompareBool(a, b, Py_EQ);
}

static int is_cut(EngineObject *e, PyObject *a, PyObject *b) {
    if (PySet_GET_SIZE(e->cut) == 0) return 0;
    PyObject *key = PyTuple_Pack(2, a, b);
    if (!key) return -1;
    int r = PySet_Contains(e->cut, key);
    Py_DECREF(key);
    return r;
}

/* ---- the message path ----------------------------------------------------------------- */

static int invoke(EngineObject *e, CellObject *cell, PyObject *src, PyObject *mtype,
                  PyObject *body) {
    PyObject *ctx = cell->ctx;
    if (!ctx || !PyObject_TypeCheck(ctx, &ContextType)) {
        PyErr_SetString(PyExc_TypeError, "cell has no context");
        return -1;
    }
    Py_INCREF(ctx);
    Py_INCREF(src);
    Py_XSETREF(((ContextObject *)ctx)->sender, src);
    PyObject *h = PyDict_GetItemWithError(cell->handlers, mtype);
    if (h) {
        Py_INCREF(h);
    } else {
        if (PyErr_Occurred()) goto fail;
        h = PyObject_CallMethodOneArg((PyObject *)cell, s_handler, mtype);
        if (!h) goto fail;
    }
    PyObject *args[] = {ctx, body};
    PyObject *r = PyObject_Vectorcall(h, args, 2, NULL);
    Py_DECREF(h);
    Py_DECREF(ctx);
    if (r) {
        Py_DECREF(r);
        return 0;
    }
    return crashed(e, cell);
fail:
    Py_DECREF(ctx);
    return -1;
}

/* The handler starts: record it (unless `info` is NULL: recorded with its receive), then run
 * it now or when its processing time has passed. */
static int handle(EngineObject *e, CellObject *cell, long long mid, PyObject *src,
                  PyObject *mtype, PyObject *body, const MsgInfo *info) {
    double cost;
    PyObject *c = cell->cost;
    if (PyFloat_CheckExact(c)) {
        cost = PyFloat_AS_DOUBLE(c);
    } else { /* a dict, a distribution or a callable: the mesh evaluates and checks it */
        PyObject *m = PyLong_FromLongLong(mid);
        if (!m) return -1;
        PyObject *args[] = {(PyObject *)e, (PyObject *)cell, m, src, mtype, body};
        PyObject *r = PyObject_VectorcallMethod(s_cost, args,
                                                6 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
        Py_DECREF(m);
        if (!r) return -1;
        cost = PyFloat_AsDouble(r);
        Py_DECREF(r);
        if (cost == -1.0 && PyErr_Occurred()) return -1;
    }
    if (e->recording && info && record_msg(e, K_HANDLE, info, mid, cell->inc, &cost) < 0)
        return -1;
    if (cost > 0.0) {
        cell->busy = 1;
        Payload *p = payload_new(e, P_FINISH);
        if (!p) return -1;
        p->mid = cell->inc;
        Py_INCREF(cell);
        p->a = (PyObject *)cell;
        Py_INCREF(src);
        p->b = src;
        Py_INCREF(mtype);
        p->c = mtype;
        Py_INCREF(body);
        p->d = body;
        return heap_push(e, e->now + cost, p);
    }
    return invoke(e, cell, src, mtype, body);
}

static int drain(EngineObject *e, CellObject *cell) {
    while (cell->alive && !cell->busy) {
        PyObject *mailbox = cell->mailbox;
        Py_ssize_t n = PyObject_Size(mailbox);
        if (n < 0) return -1;
        if (n == 0) break;
        PyObject *item = PyObject_CallMethodNoArgs(mailbox, s_popleft);
        if (!item) return -1;
        PyObject *mid, *src, *mtype, *body, *size;
        if (!PyArg_UnpackTuple(item, "mailbox", 5, 5, &mid, &src, &mtype, &body, &size)) {
            Py_DECREF(item);
            return -1;
        }
        MsgInfo info = {0, 0, 0, 0, -1, 0};
        long long m = PyLong_AsLongLong(mid);
        int rc = (m == -1 && PyErr_Occurred()) ||
                         (e->recording && queued_info(e, cell, src, mtype, size, &info) < 0)
                     ? -1
                     : handle(e, cell, m, src, mtype, body, &info);
        Py_DECREF(item);
        if (rc < 0) return -1;
    }
    return 0;
}

static int mailbox_nonempty(CellObject *cell) {
    Py_ssize_t n = PyObject_Size(cell->mailbox);
    return n < 0 ? -1 : n > 0;
}

/* 1 when message `mid` was marked to be lost (it is taken off the mark), 0 if not. */
static int marked_lost(EngineObject *e, long long mid) {
    PyObject *key = PyLong_FromLongLong(mid);
    if (!key) return -1;
    int r = PySet_Discard(e->lost, key);
    Py_DECREF(key);
    return r;
}

static int deliver(EngineObject *e, Payload *m) {
    PyObject *src = m->a, *src_node = m->b, *dst = m->c, *dst_node = m->d, *mtype = m->e,
             *body = m->f;
    CellObject *cell = (CellObject *)m->g;
    if (PySet_GET_SIZE(e->lost)) {
        int lost = marked_lost(e, m->mid);
        if (lost < 0) return -1;
        if (lost) { /* lost on the way, as a lossy link loses it: the mesh records the drop */
            PyObject *arg = Py_BuildValue("(OOOLO)", dst_node, dst, src, m->mid, mtype);
            if (!arg) return -1;
            PyObject *r = PyObject_CallMethodOneArg((PyObject *)e, s_lose, arg);
            Py_DECREF(arg);
            if (!r) return -1;
            Py_DECREF(r);
            return 0;
        }
    }
    PyObject *state = PyDict_GetItemWithError(e->nodes, dst_node);
    if (!state) {
        if (!PyErr_Occurred()) PyErr_SetObject(PyExc_KeyError, dst_node);
        return -1;
    }
    int r;
    if ((r = PySequence_Contains(down_states, state)) != 0) {
        if (r < 0) return -1;
        return call_drop(e, dst_node, dst, src, m->mid, mtype, s_node_down);
    }
    if ((r = is_cut(e, src_node, dst_node)) != 0) {
        if (r < 0) return -1;
        return call_drop(e, dst_node, dst, src, m->mid, mtype, s_partition);
    }
    if (!cell->alive || !(r = str_eq(cell->node, dst_node))) {
        return call_drop(e, dst_node, dst, src, m->mid, mtype, s_dead_letter);
    }
    if (r < 0) return -1;
    if (cell->limit != Py_None) {
        Py_ssize_t limit = PyLong_AsSsize_t(cell->limit);
        if (limit == -1 && PyErr_Occurred()) return -1;
        Py_ssize_t n = PyObject_Size(cell->mailbox);
        if (n < 0) return -1;
        if (n >= limit) return call_drop(e, dst_node, dst, src, m->mid, mtype, s_mailbox_full);
    }
    /* Nothing runs between the receive and a handle that starts at once at a fixed cost (no
     * Python is called), so the two rows are written together. */
    const MsgInfo *info = &m->info;
    if (e->recording) {
        if (!cell->busy && PyFloat_CheckExact(cell->cost)) {
            if (record_recv_handle(e, info, m->mid, cell->inc, PyFloat_AS_DOUBLE(cell->cost)) < 0)
                return -1;
            info = NULL; /* the handle is recorded */
        } else if (record_msg(e, K_RECV, info, m->mid, cell->inc, NULL) < 0) {
            return -1;
        }
    }
    if (cell->busy) { /* queued as (msg_id, sender, type, body, size): the size as recorded */
        PyObject *size = e->recording && m->info.size >= 0 ? PyLong_FromLongLong(m->info.size)
                                                            : Py_NewRef(Py_None);
        PyObject *item = size ? Py_BuildValue("(LOOON)", m->mid, src, mtype, body, size) : NULL;
        if (!item) return -1;
        PyObject *res = PyObject_CallMethodOneArg(cell->mailbox, s_append, item);
        Py_DECREF(item);
        if (!res) return -1;
        Py_DECREF(res);
        return 0;
    }
    if (handle(e, cell, m->mid, src, mtype, body, info) < 0) return -1;
    if ((r = mailbox_nonempty(cell)) != 0) return r < 0 ? -1 : drain(e, cell);
    return 0;
}

static int finish(EngineObject *e, Payload *p) {
    CellObject *cell = (CellObject *)p->a;
    if (!cell->alive || cell->inc != p->mid) return 0; /* died while busy: no effects */
    cell->busy = 0;
    if (invoke(e, cell, p->b, p->c, p->d) < 0) return -1;
    return drain(e, cell);
}

static int dispatch(EngineObject *e, Payload *p) {
    if (p->kind == P_DELIVER) return deliver(e, p);
    if (p->kind == P_FINISH) return finish(e, p);
    PyObject *r = PyObject_CallOneArg(p->a, p->b);
    if (!r) return -1;
    Py_DECREF(r);
    return 0;
}

/* Send: record it, then drop it, lose it, or schedule its arrival. `latency` NULL or None
 * means the route's latency; an explicit latency (timers) is never lost. */
static int esend(EngineObject *e, CellObject *cell, PyObject *dst, PyObject *mtype,
                 PyObject *body, PyObject *size, PyObject *reason, PyObject *latency) {
    if (!cell->alive) {
        PyErr_Format(PyExc_RuntimeError, "%S has stopped and cannot send", cell->id);
        return -1;
    }
    int rc = -1;
    double now = e->now, lat, loss = 0.0;
    PyObject *src_node = cell->node, *route = NULL, *key = NULL;
    Py_INCREF(src_node);
    PyObject *target = PyDict_GetItemWithError(e->cells, dst);
    if (!target && PyErr_Occurred()) goto done;
    Py_XINCREF(target);
    if (target && !PyObject_TypeCheck(target, &CellType)) {
        PyErr_SetString(PyExc_TypeError, "the mesh's cells must be Cell objects");
        goto done;
    }
    PyObject *dst_node = target ? ((CellObject *)target)->node : src_node;
    Py_INCREF(dst_node);
    if (latency == NULL || latency == Py_None) {
        if (cell->rt_route && cell->rt_src == src_node && cell->rt_dst == dst_node &&
            cell->rt_epoch == e->routes_epoch) {
            route = cell->rt_route;
            Py_INCREF(route);
        } else {
            key = PyTuple_Pack(2, src_node, dst_node);
            if (!key) goto done2;
            route = PyDict_GetItemWithError(e->routes, key);
            if (route) {
                Py_INCREF(route);
            } else {
                if (PyErr_Occurred()) goto done2;
                route = PyObject_CallMethodObjArgs((PyObject *)e, s_route, src_node, dst_node,
                                                   NULL);
                if (!route) goto done2;
            }
            Py_INCREF(src_node);
            Py_XSETREF(cell->rt_src, src_node);
            Py_INCREF(dst_node);
            Py_XSETREF(cell->rt_dst, dst_node);
            Py_INCREF(route);
            Py_XSETREF(cell->rt_route, route);
            cell->rt_epoch = e->routes_epoch;
        }
        if (!PyTuple_Check(route) || PyTuple_GET_SIZE(route) != 3) {
            PyErr_SetString(PyExc_TypeError, "a route is (latency or None, distribution, loss)");
            goto done2;
        }
        PyObject *c = PyTuple_GET_ITEM(route, 0);
        if (c == Py_None) {
            PyObject *v = PyObject_CallMethodOneArg(PyTuple_GET_ITEM(route, 1), s_sample, e->rng);
            if (!v) goto done2;
            lat = PyFloat_AsDouble(v);
            Py_DECREF(v);
        } else {
            lat = PyFloat_AsDouble(c);
        }
        if (lat == -1.0 && PyErr_Occurred()) goto done2;
        loss = PyFloat_AsDouble(PyTuple_GET_ITEM(route, 2));
        if (loss == -1.0 && PyErr_Occurred()) goto done2;
    } else {
        lat = PyFloat_AsDouble(latency);
        if (lat == -1.0 && PyErr_Occurred()) goto done2;
    }
    long long mid = e->mid++;
    MsgInfo info;
    if (e->recording && record_send(e, mid, cell, (CellObject *)target, src_node, dst, dst_node,
                                    mtype, size, lat, reason, &info) < 0)
        goto done2;
    int r;
    if (!target) {
        rc = call_drop(e, src_node, dst, cell->id, mid, mtype, s_dead_letter);
        goto done2;
    }
    if ((r = is_cut(e, src_node, dst_node)) != 0) {
        if (r > 0) rc = call_drop(e, src_node, dst, cell->id, mid, mtype, s_partition);
        goto done2;
    }
    if (loss != 0.0) {
        PyObject *x = PyObject_CallMethodNoArgs(e->rng, s_random);
        if (!x) goto done2;
        double u = PyFloat_AsDouble(x);
        Py_DECREF(x);
        if (u == -1.0 && PyErr_Occurred()) goto done2;
        if (u < loss) {
            Payload *p = payload_new(e, P_CALL);
            if (!p) goto done2;
            p->a = PyObject_GetAttr((PyObject *)e, s_lose);
            p->b = Py_BuildValue("(OOOLO)", dst_node, dst, cell->id, mid, mtype);
            if (!p->a || !p->b) {
                payload_release(e, p);
                goto done2;
            }
            rc = heap_push(e, now + lat, p);
            goto done2;
        }
    }
    Payload *p = payload_new(e, P_DELIVER);
    if (!p) goto done2;
    p->mid = mid;
    Py_INCREF(cell->id);
    p->a = cell->id;
    p->b = src_node;
    Py_INCREF(src_node);
    Py_INCREF(dst);
    p->c = dst;
    p->d = dst_node;
    Py_INCREF(dst_node);
    Py_INCREF(mtype);
    p->e = mtype;
    Py_INCREF(body);
    p->f = body;
    p->g = target;
    Py_INCREF(target);
    if (e->recording) p->info = info;
    rc = heap_push(e, now + lat, p);
done2:
    Py_DECREF(dst_node);
done:
    Py_XDECREF(target);
    Py_XDECREF(route);
    Py_XDECREF(key);
    Py_DECREF(src_node);
    return rc;
}

/* ---- Engine: Python-facing methods ------------------------------------------------------ */

/* 0 when the next entry (at time t) may run, else which limit it would break. */
static inline int over_limit(EngineObject *e, double t) {
    if (t == e->now) {
        if (e->same >= e->max_same) return 1;
        e->same++;
    } else {
        e->same = 1;
    }
    if (e->steps >= e->max_steps) return 2;
    e->steps++;
    return 0;
}

static int engine_run(EngineObject *e, double until) {
    e->limit_hit = 0;
    while (e->hn && e->heap[0].t <= until) {
        if ((e->limit_hit = over_limit(e, e->heap[0].t)) != 0) return 0; /* time stays */
        Item it = heap_pop(e);
        e->now = it.t;
        int rc = dispatch(e, it.p);
        payload_release(e, it.p);
        if (rc < 0) return -1;
    }
    if (until != INFINITY && until > e->now) e->now = until;
    return 0;
}

static PyObject *Engine_schedule(EngineObject *e, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs < 2 || nargs > 3) {
        PyErr_SetString(PyExc_TypeError, "schedule(at, fn, arg=None)");
        return NULL;
    }
    double at = PyFloat_AsDouble(args[0]);
    if (at == -1.0 && PyErr_Occurred()) return NULL;
    if (at < e->now) {
        PyObject *now = PyFloat_FromDouble(e->now);
        if (now)
            PyErr_Format(PyExc_ValueError, "cannot schedule at t=%R, which is before now (t=%R)",
                         args[0], now);
        Py_XDECREF(now);
        return NULL;
    }
    Payload *p = payload_new(e, P_CALL);
    if (!p) return NULL;
    Py_INCREF(args[1]);
    p->a = args[1];
    p->b = nargs == 3 ? args[2] : Py_None;
    Py_INCREF(p->b);
    if (heap_push(e, at, p) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *Engine_peek(EngineObject *e, PyObject *unused) {
    return PyFloat_FromDouble(e->hn ? e->heap[0].t : INFINITY);
}

static PyObject *Engine_step(EngineObject *e, PyObject *unused) {
    if (!e->hn) Py_RETURN_FALSE;
    if ((e->limit_hit = over_limit(e, e->heap[0].t)) != 0) Py_RETURN_FALSE;
    Item it = heap_pop(e);
    e->now = it.t;
    int rc = dispatch(e, it.p);
    payload_release(e, it.p);
    if (rc < 0) return NULL;
    Py_RETURN_TRUE;
}

static PyObject *Engine_run_kernel(EngineObject *e, PyObject *arg) {
    double until = PyFloat_AsDouble(arg);
    if (until == -1.0 && PyErr_Occurred()) return NULL;
    if (engine_run(e, until) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *Engine__send(EngineObject *e, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs < 5 || nargs > 7 || !PyObject_TypeCheck(args[0], &CellType)) {
        PyErr_SetString(PyExc_TypeError,
                        "_send(cell, dst, msg_type, body, size, reason=None, latency=None)");
        return NULL;
    }
    PyObject *reason = nargs > 5 ? args[5] : Py_None, *latency = nargs > 6 ? args[6] : NULL;
    if (esend(e, (CellObject *)args[0], args[1], args[2], args[3], args[4], reason, latency) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *Engine__note(EngineObject *e, PyObject *arg) {
    long code = PyLong_AsLong(arg);
    if (code == -1 && PyErr_Occurred()) return NULL;
    if (code < 0 || code >= N_KINDS) {
        PyErr_Format(PyExc_ValueError, "no event kind has code %ld", code);
        return NULL;
    }
    Py_ssize_t i = log_kind(e, (uint8_t)code);
    if (i < 0 || frame_other(&e->frame, i) < 0) return NULL;
    Py_RETURN_NONE;
}

#include "_core_columns.h"

/* _held_bytes() -> int: the memory the engine holds for recording and for pending entries:
 * the frame not yet taken, the string table, the heap and the payloads (which carry what a
 * message's receive will record). Nothing in it grows with the messages already handled. */
static PyObject *Engine__held_bytes(EngineObject *e, PyObject *unused) {
    const Frame *f = &e->frame;
    size_t n = (size_t)(f->ocap + f->ncap) * sizeof(Py_ssize_t);
    for (int c = 0; c < C_NUMBER; c++) n += f->col_alloc[c];
    for (int c = 0; c < NVALID; c++) n += f->valid_alloc[c];
    n += (size_t)e->vcap * sizeof(View) + (size_t)e->scap;
    n += (size_t)e->hcap * sizeof(Item) + (size_t)e->pcap * sizeof(Payload *);
    n += (size_t)(e->hn + e->pn) * sizeof(Payload);
    return PyLong_FromSize_t(n);
}

/* _kept_blocks() -> int: freed column blocks kept for the next recording (any engine's). */
static PyObject *Engine__kept_blocks(EngineObject *e, PyObject *unused) {
    return PyLong_FromLong(mem_kept());
}

static int Engine_init(PyObject *self, PyObject *args, PyObject *kwds) { return 0; }

static PyObject *Engine_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    EngineObject *e = (EngineObject *)type->tp_alloc(type, 0);
    if (!e) return NULL;
    e->recording = 1;
    e->max_steps = e->max_same = LLONG_MAX;
    e->codes = PyDict_New();
    e->cells = PyDict_New();
    e->nodes = PyDict_New();
    e->routes = PyDict_New();
    e->cut = PySet_New(NULL);
    e->lost = PySet_New(NULL);
    Py_INCREF(Py_None);
    e->rng = Py_None;
    if (!e->codes || !e->cells || !e->nodes || !e->routes || !e->cut || !e->lost ||
        add_view(e, NULL) < 0) {
        Py_DECREF(e);
        return NULL;
    }
    return (PyObject *)e;
}

static int Engine_traverse(EngineObject *e, visitproc visit, void *arg) {
    Py_VISIT(e->cells);
    Py_VISIT(e->nodes);
    Py_VISIT(e->routes);
    Py_VISIT(e->cut);
    Py_VISIT(e->lost);
    Py_VISIT(e->rng);
    Py_VISIT(e->codes);
    for (Py_ssize_t i = 0; i < e->hn; i++) {
        Payload *p = e->heap[i].p;
        Py_VISIT(p->a);
        Py_VISIT(p->b);
        Py_VISIT(p->c);
        Py_VISIT(p->d);
        Py_VISIT(p->e);
        Py_VISIT(p->f);
        Py_VISIT(p->g);
    }
    return 0;
}

static int Engine_clear(EngineObject *e) {
    Py_CLEAR(e->cells);
    Py_CLEAR(e->nodes);
    Py_CLEAR(e->routes);
    Py_CLEAR(e->cut);
    Py_CLEAR(e->lost);
    Py_CLEAR(e->rng);
    Py_CLEAR(e->codes);
    while (e->hn) payload_release(e, e->heap[--e->hn].p);
    return 0;
}

static void Engine_dealloc(EngineObject *e) {
    PyObject_GC_UnTrack(e);
    Engine_clear(e);
    PyMem_Free(e->heap);
    for (Py_ssize_t i = 0; i < e->pn; i++) PyMem_Free(e->pool[i]);
    PyMem_Free(e->pool);
    frame_free(&e->frame);
    PyMem_Free(e->views);
    PyMem_Free(e->sdata);
    Py_TYPE(e)->tp_free((PyObject *)e);
}

static PyMethodDef Engine_methods[] = {
    {"schedule", (PyCFunction)(void (*)(void))Engine_schedule, METH_FASTCALL,
     "schedule($self, at, fn, arg=None, /)\n--\n\nRun ``fn(arg)`` at virtual time ``at``."},
    {"peek", (PyCFunction)Engine_peek, METH_NOARGS, "Time of the next pending entry."},
    {"step", (PyCFunction)Engine_step, METH_NOARGS, "Run the next pending entry."},
    {"run_kernel", (PyCFunction)Engine_run_kernel, METH_O,
     "Run every entry with time <= until, then set the clock to until."},
    {"_send", (PyCFunction)(void (*)(void))Engine__send, METH_FASTCALL, NULL},
    {"_note", (PyCFunction)Engine__note, METH_O, NULL},
    {"_take", (PyCFunction)(void (*)(void))Engine__take, METH_FASTCALL, NULL},
    {"_held_bytes", (PyCFunction)Engine__held_bytes, METH_NOARGS, NULL},
    {"_kept_blocks", (PyCFunction)Engine__kept_blocks, METH_NOARGS, NULL},
    {NULL}};

#define OFF(T, f) offsetof(T, f)
/* Events recorded so far: those taken and those in the frame (no counter on the hot path). */
static PyObject *Engine_get_nevents(EngineObject *e, void *unused) {
    return PyLong_FromLongLong(e->taken + (long long)e->frame.rows);
}

static PyGetSetDef Engine_getset[] = {
    {"_nevents", (getter)Engine_get_nevents, NULL, NULL, NULL}, {NULL}};

static PyMemberDef Engine_members[] = {
    {"now", T_DOUBLE, OFF(EngineObject, now), 0, "virtual time, seconds"},
    {"_ticket", T_LONGLONG, OFF(EngineObject, ticket), 0, NULL},
    {"_mid", T_LONGLONG, OFF(EngineObject, mid), 0, NULL},
    {"_routes_epoch", T_LONGLONG, OFF(EngineObject, routes_epoch), 0, NULL},
    {"_steps", T_LONGLONG, OFF(EngineObject, steps), 0, NULL},
    {"_max_steps", T_LONGLONG, OFF(EngineObject, max_steps), 0, NULL},
    {"_same", T_LONGLONG, OFF(EngineObject, same), 0, NULL},
    {"_max_same", T_LONGLONG, OFF(EngineObject, max_same), 0, NULL},
    {"_limit_hit", T_INT, OFF(EngineObject, limit_hit), 0, NULL},
    {"recording", T_BOOL, OFF(EngineObject, recording), 0, NULL},
    {"_cells", T_OBJECT_EX, OFF(EngineObject, cells), 0, NULL},
    {"_nodes", T_OBJECT_EX, OFF(EngineObject, nodes), 0, NULL},
    {"_routes", T_OBJECT_EX, OFF(EngineObject, routes), 0, NULL},
    {"_cut", T_OBJECT_EX, OFF(EngineObject, cut), 0, NULL},
    {"_lost", T_OBJECT_EX, OFF(EngineObject, lost), 0, NULL},
    {"rng", T_OBJECT_EX, OFF(EngineObject, rng), 0, NULL},
    {NULL}};

static PyTypeObject EngineType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "meshlab.sim._core.Engine",
    .tp_basicsize = sizeof(EngineObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Virtual clock, event heap and message path of a mesh (compiled).",
    .tp_new = Engine_new,
    .tp_init = Engine_init,
    .tp_traverse = (traverseproc)Engine_traverse,
    .tp_clear = (inquiry)Engine_clear,
    .tp_dealloc = (destructor)Engine_dealloc,
    .tp_methods = Engine_methods,
    .tp_members = Engine_members,
    .tp_getset = Engine_getset,
};

/* ---- CellBase ------------------------------------------------------------------------- */

#define CELL_OBJS(X)                                                                           \
    X(id) X(node) X(cls) X(args) X(kwargs) X(parent) X(mailbox) X(children) X(spec) X(ctx)     \
        X(behaviour) X(handlers) X(cost) X(limit)

static int Cell_traverse(CellObject *c, visitproc visit, void *arg) {
#define V(f) Py_VISIT(c->f);
    CELL_OBJS(V)
#undef V
    return 0;
}

static int Cell_clear(CellObject *c) {
#define C(f) Py_CLEAR(c->f);
    CELL_OBJS(C)
#undef C
    Py_CLEAR(c->c_id.obj);
    Py_CLEAR(c->c_node.obj);
    Py_CLEAR(c->c_mtype.obj);
    Py_CLEAR(c->rt_src);
    Py_CLEAR(c->rt_dst);
    Py_CLEAR(c->rt_route);
    return 0;
}

static void Cell_dealloc(CellObject *c) {
    PyObject_GC_UnTrack(c);
    Cell_clear(c);
    Py_TYPE(c)->tp_free((PyObject *)c);
}

static PyMemberDef Cell_members[] = {
#define M(f) {#f, T_OBJECT_EX, OFF(CellObject, f), 0, NULL},
    CELL_OBJS(M)
#undef M
    {"inc", T_INT, OFF(CellObject, inc), 0, NULL},
    {"alive", T_BOOL, OFF(CellObject, alive), 0, NULL},
    {"busy", T_BOOL, OFF(CellObject, busy), 0, NULL},
    {NULL}};

static PyTypeObject CellType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "meshlab.sim._core.CellBase",
    .tp_basicsize = sizeof(CellObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Storage of an actor's runtime record (compiled).",
    .tp_new = PyType_GenericNew,
    .tp_traverse = (traverseproc)Cell_traverse,
    .tp_clear = (inquiry)Cell_clear,
    .tp_dealloc = (destructor)Cell_dealloc,
    .tp_members = Cell_members,
};

/* ---- ContextBase ---------------------------------------------------------------------- */

static int Context_traverse(ContextObject *c, visitproc visit, void *arg) {
    Py_VISIT(c->mesh);
    Py_VISIT(c->cell);
    Py_VISIT(c->sender);
    return 0;
}

static int Context_clear(ContextObject *c) {
    Py_CLEAR(c->mesh);
    Py_CLEAR(c->cell);
    Py_CLEAR(c->sender);
    return 0;
}

static void Context_dealloc(ContextObject *c) {
    PyObject_GC_UnTrack(c);
    Context_clear(c);
    Py_TYPE(c)->tp_free((PyObject *)c);
}

/* Bind (args, kwnames) to `names` (the last, "size", keyword-only) as Python would. */
static int bind_args(const char *fn, const char *const *names, int nnames, int required,
                     PyObject *const *args, size_t nargsf, PyObject *kwnames, PyObject **out) {
    Py_ssize_t npos = PyVectorcall_NARGS(nargsf);
    if (npos > nnames - 1) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %d positional arguments (%zd given)",
                     fn, nnames - 1, npos);
        return -1;
    }
    for (int i = 0; i < nnames; i++) out[i] = i < npos ? args[i] : NULL;
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k);
        int i = 0;
        while (i < nnames && PyUnicode_CompareWithASCIIString(key, names[i]) != 0) i++;
        if (i == nnames) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument %R", fn, key);
            return -1;
        }
        if (out[i]) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument %R", fn, key);
            return -1;
        }
        out[i] = args[npos + k];
    }
    for (int i = 0; i < required; i++) {
        if (!out[i]) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", fn, names[i]);
            return -1;
        }
    }
    for (int i = required; i < nnames; i++)
        if (!out[i]) out[i] = Py_None;
    return 0;
}

static int ctx_check(ContextObject *self) {
    if (!self->mesh || !PyObject_TypeCheck(self->mesh, &EngineType) || !self->cell ||
        !PyObject_TypeCheck(self->cell, &CellType)) {
        PyErr_SetString(PyExc_TypeError, "this context is not bound to a compiled mesh");
        return -1;
    }
    return 0;
}

static PyObject *Context_send(ContextObject *self, PyObject *const *args, size_t nargsf,
                              PyObject *kwnames) {
    static const char *const names[] = {"dst", "msg_type", "body", "size"};
    PyObject *a[4];
    if (bind_args("send", names, 4, 2, args, nargsf, kwnames, a) < 0 || ctx_check(self) < 0)
        return NULL;
    if (esend((EngineObject *)self->mesh, (CellObject *)self->cell, a[0], a[1], a[2], a[3],
              Py_None, NULL) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *Context_reply(ContextObject *self, PyObject *const *args, size_t nargsf,
                               PyObject *kwnames) {
    static const char *const names[] = {"msg_type", "body", "size"};
    PyObject *a[3];
    if (bind_args("reply", names, 3, 1, args, nargsf, kwnames, a) < 0 || ctx_check(self) < 0)
        return NULL;
    if (!self->sender || self->sender == Py_None) {
        PyErr_SetString(PyExc_RuntimeError,
                        "reply() needs a message being handled; use send(dst, ...)");
        return NULL;
    }
    PyObject *dst = self->sender;
    Py_INCREF(dst);
    int rc = esend((EngineObject *)self->mesh, (CellObject *)self->cell, dst, a[0], a[1], a[2],
                   Py_None, NULL);
    Py_DECREF(dst);
    if (rc < 0) return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef Context_methods[] = {
    {"send", (PyCFunction)(void (*)(void))Context_send, METH_FASTCALL | METH_KEYWORDS,
     "send($self, /, dst, msg_type, body=None, *, size=None)\n--\n\n"
     "Send ``msg_type`` with ``body`` to actor ``dst`` over the network."},
    {"reply", (PyCFunction)(void (*)(void))Context_reply, METH_FASTCALL | METH_KEYWORDS,
     "reply($self, /, msg_type, body=None, *, size=None)\n--\n\n"
     "Send to the sender of the message being handled."},
    {NULL}};

static PyMemberDef Context_members[] = {
    {"_mesh", T_OBJECT_EX, OFF(ContextObject, mesh), 0, NULL},
    {"_cell", T_OBJECT_EX, OFF(ContextObject, cell), 0, NULL},
    {"sender", T_OBJECT, OFF(ContextObject, sender), 0,
     "the sender of the message being handled"},
    {NULL}};

static PyTypeObject ContextType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "meshlab.sim._core.ContextBase",
    .tp_basicsize = sizeof(ContextObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Storage and the message-sending half of an actor's context (compiled).",
    .tp_new = PyType_GenericNew,
    .tp_traverse = (traverseproc)Context_traverse,
    .tp_clear = (inquiry)Context_clear,
    .tp_dealloc = (destructor)Context_dealloc,
    .tp_methods = Context_methods,
    .tp_members = Context_members,
};

/* ---- module --------------------------------------------------------------------------- */

static struct PyModuleDef coremodule = {PyModuleDef_HEAD_INIT, "_core",
                                        "Compiled hot path of the meshlab simulator.", -1,
                                        NULL};

typedef struct {
    PyObject **slot;
    const char *text;
} Name;

/* HOOK_NAMES */
static Name hook_names[] = {
    {&s_drop, "_drop"}, {&s_route, "_route"}, {&s_lose, "_lose"}, {&s_crashed, "_crashed"},
    {&s_cost, "_cost"}};
/* END HOOK_NAMES */

static Name other_names[] = {{&s_handler, "handler"},         {&s_sample, "sample"},
                             {&s_random, "random"},           {&s_append, "append"},
                             {&s_popleft, "popleft"},         {&s_dead_letter, "dead_letter"},
                             {&s_partition, "partition"},     {&s_node_down, "node_down"},
                             {&s_mailbox_full, "mailbox_full"}};

static int intern_names(Name *names, size_t n) {
    for (size_t i = 0; i < n; i++) {
        *names[i].slot = PyUnicode_InternFromString(names[i].text);
        if (!*names[i].slot) return -1;
    }
    return 0;
}

PyMODINIT_FUNC PyInit__core(void) {
    if (intern_names(hook_names, sizeof hook_names / sizeof hook_names[0]) < 0 ||
        intern_names(other_names, sizeof other_names / sizeof other_names[0]) < 0)
        return NULL;
    PyObject *hooks = PyImport_ImportModule("meshlab.sim.hooks");
    if (!hooks) return NULL;
    down_states = PyObject_GetAttrString(hooks, "DOWN_STATES");
    Py_DECREF(hooks);
    if (!down_states) return NULL;
    if (PyType_Ready(&EngineType) < 0 || PyType_Ready(&CellType) < 0 ||
        PyType_Ready(&BlockType) < 0 ||
        PyType_Ready(&ContextType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&coremodule);
    if (!m) return NULL;
    if (PyModule_AddObjectRef(m, "Engine", (PyObject *)&EngineType) < 0 ||
        PyModule_AddObjectRef(m, "CellBase", (PyObject *)&CellType) < 0 ||
        PyModule_AddObjectRef(m, "ContextBase", (PyObject *)&ContextType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
