/* Part of _core.c (included there): the frame columns of everything recorded so far.
 *
 * The engine logs one kind byte per event and keeps sends, receives and handles in narrow
 * tables; the rarer kinds arrive as tuples in the Python recorder's `other` list. `_take`
 * walks the kind log once and writes every contract column in `seq` order, joining each
 * receive and handle to its send by msg_id, so polars only has to wrap the buffers: numbers
 * as plain Arrow arrays, strings as Arrow string views into one data buffer (the layout
 * polars uses itself, so that import copies nothing), nulls as validity bitmaps.
 */

#ifdef __linux__
#include <sys/mman.h>
#endif

/* A zero-filled block of memory that Python reads through the buffer protocol. Big blocks
 * come straight from mmap: the kernel hands out zero pages lazily, so the columns that are
 * mostly null (parent, reason) cost nothing, and nothing is written twice. Huge pages, where
 * the kernel allows them, cut the page faults of the rest. */
typedef struct {
    PyObject_HEAD
    char *p;
    Py_ssize_t size;
    int mapped;
} BlockObject;

static int Block_getbuffer(BlockObject *b, Py_buffer *view, int flags) {
    return PyBuffer_FillInfo(view, (PyObject *)b, b->p, b->size, 1, flags);
}

static void Block_dealloc(BlockObject *b) {
#ifdef __linux__
    if (b->mapped) {
        munmap(b->p, (size_t)b->size);
    } else
#endif
        PyMem_RawFree(b->p);
    PyObject_Free(b);
}

static PyBufferProcs Block_as_buffer = {(getbufferproc)Block_getbuffer, NULL};

static PyTypeObject BlockType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "meshlab.sim._core.Block",
    .tp_basicsize = sizeof(BlockObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Column memory handed to Arrow without a copy.",
    .tp_dealloc = (destructor)Block_dealloc,
    .tp_as_buffer = &Block_as_buffer,
};

typedef struct {
    PyObject *bytes; /* the Block */
    char *p;
} OutBuf;

static int out_new(OutBuf *b, Py_ssize_t size) {
    BlockObject *blk = PyObject_New(BlockObject, &BlockType);
    if (!blk) return -1;
    blk->p = NULL;
    blk->size = size;
    blk->mapped = 0;
#ifdef __linux__
    if (size >= (1 << 20)) {
        void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
        if (p != MAP_FAILED) {
#ifdef MADV_HUGEPAGE
            madvise(p, (size_t)size, MADV_HUGEPAGE);
#endif
            blk->p = p;
            blk->mapped = 1;
        }
    }
#endif
    if (!blk->p) blk->p = PyMem_RawCalloc(size ? (size_t)size : 1, 1);
    if (!blk->p) {
        Py_DECREF(blk);
        PyErr_NoMemory();
        return -1;
    }
    b->bytes = (PyObject *)blk;
    b->p = blk->p;
    return 0;
}

enum { C_T, C_KIND, C_INC, C_MID, C_SIZE, C_DUR, C_NODE, C_ACTOR, C_PARENT, C_PEER, C_MTYPE,
       C_REASON, C_NUMBER };
static const char *OUT_NAMES[] = {"t",      "kind", "incarnation", "msg_id", "size",
                                  "duration", "node", "actor",     "parent", "peer",
                                  "msg_type", "reason"};
#define FIRST_STR C_NODE
/* validity bitmaps, for the nullable columns from C_MID on */
#define NVALID (C_NUMBER - C_MID)

static inline void set_valid(OutBuf *valid, int col, Py_ssize_t i) {
    valid[col - C_MID].p[i >> 3] |= (char)(1 << (i & 7));
}

static inline void put_str(EngineObject *e, OutBuf *out, OutBuf *valid, int col, Py_ssize_t i,
                           uint32_t code) {
    if (!code) return; /* null: zero view, validity bit clear */
    memcpy(out[col].p + i * sizeof(View), &e->views[code], sizeof(View));
    set_valid(valid, col, i);
}

/* One tuple of the recorder's `other` list: (kind, t, node, actor, incarnation, parent, peer,
 * msg_id, msg_type, size, reason, duration). */
static int put_other(EngineObject *e, OutBuf *out, OutBuf *valid, Py_ssize_t i, int kind,
                     PyObject *row) {
    if (!PyTuple_Check(row) || PyTuple_GET_SIZE(row) != 12) {
        PyErr_SetString(PyExc_TypeError, "recorded row must be a 12-tuple");
        return -1;
    }
    PyObject **f = &PyTuple_GET_ITEM(row, 0);
    long code = PyLong_AsLong(f[0]);
    if (code != kind) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_RuntimeError, "kind log and recorded rows disagree at %zd", i);
        return -1;
    }
    double t = PyFloat_AsDouble(f[1]);
    long long inc = PyLong_AsLongLong(f[4]);
    if ((t == -1.0 || inc == -1) && PyErr_Occurred()) return -1;
    ((double *)out[C_T].p)[i] = t;
    ((uint32_t *)out[C_INC].p)[i] = (uint32_t)inc;
    static const int str_fields[][2] = {{2, C_NODE},  {3, C_ACTOR},    {5, C_PARENT},
                                        {6, C_PEER},  {8, C_MTYPE},    {10, C_REASON}};
    for (int k = 0; k < 6; k++) {
        long c = intern(e, f[str_fields[k][0]]);
        if (c < 0) return -1;
        put_str(e, out, valid, str_fields[k][1], i, (uint32_t)c);
    }
    if (f[7] != Py_None) {
        unsigned long long mid = PyLong_AsUnsignedLongLong(f[7]);
        if (mid == (unsigned long long)-1 && PyErr_Occurred()) return -1;
        ((uint64_t *)out[C_MID].p)[i] = mid;
        set_valid(valid, C_MID, i);
    }
    if (f[9] != Py_None) {
        long long size = PyLong_AsLongLong(f[9]);
        if (size == -1 && PyErr_Occurred()) return -1;
        ((uint32_t *)out[C_SIZE].p)[i] = (uint32_t)size;
        set_valid(valid, C_SIZE, i);
    }
    if (f[11] != Py_None) {
        double d = PyFloat_AsDouble(f[11]);
        if (d == -1.0 && PyErr_Occurred()) return -1;
        ((double *)out[C_DUR].p)[i] = d;
        set_valid(valid, C_DUR, i);
    }
    return 0;
}

static void put_send(EngineObject *e, OutBuf *out, OutBuf *valid, Py_ssize_t i,
                     Py_ssize_t j) {
    Table *s = &e->sends;
    ((double *)out[C_T].p)[i] = COL(s, S_T, double)[j];
    ((uint32_t *)out[C_INC].p)[i] = COL(s, S_INC, uint32_t)[j];
    ((uint64_t *)out[C_MID].p)[i] = (uint64_t)j;
    set_valid(valid, C_MID, i);
    long long size = COL(s, S_SIZE, long long)[j];
    if (size >= 0) {
        ((uint32_t *)out[C_SIZE].p)[i] = (uint32_t)size;
        set_valid(valid, C_SIZE, i);
    }
    ((double *)out[C_DUR].p)[i] = COL(s, S_DUR, double)[j];
    set_valid(valid, C_DUR, i);
    put_str(e, out, valid, C_NODE, i, COL(s, S_NODE, uint32_t)[j]);
    put_str(e, out, valid, C_ACTOR, i, COL(s, S_ACTOR, uint32_t)[j]);
    put_str(e, out, valid, C_PEER, i, COL(s, S_PEER, uint32_t)[j]);
    put_str(e, out, valid, C_MTYPE, i, COL(s, S_MTYPE, uint32_t)[j]);
    put_str(e, out, valid, C_REASON, i, COL(s, S_REASON, uint32_t)[j]);
}

/* A receive or handle: its own t, incarnation (and duration), the rest from its send. */
static int put_joined(EngineObject *e, OutBuf *out, OutBuf *valid, Py_ssize_t i, Table *t,
                      Py_ssize_t r, int with_duration) {
    Table *s = &e->sends;
    long long j = COL(t, R_MID, long long)[r];
    if (j < 0 || j >= s->rows) {
        PyErr_Format(PyExc_RuntimeError, "msg_id %lld was never sent", j);
        return -1;
    }
    ((double *)out[C_T].p)[i] = COL(t, R_T, double)[r];
    ((uint32_t *)out[C_INC].p)[i] = COL(t, R_INC, uint32_t)[r];
    ((uint64_t *)out[C_MID].p)[i] = (uint64_t)j;
    set_valid(valid, C_MID, i);
    long long size = COL(s, S_SIZE, long long)[j];
    if (size >= 0) {
        ((uint32_t *)out[C_SIZE].p)[i] = (uint32_t)size;
        set_valid(valid, C_SIZE, i);
    }
    if (with_duration) {
        ((double *)out[C_DUR].p)[i] = COL(t, R_DUR, double)[r];
        set_valid(valid, C_DUR, i);
    }
    put_str(e, out, valid, C_NODE, i, COL(s, S_PNODE, uint32_t)[j]);
    put_str(e, out, valid, C_ACTOR, i, COL(s, S_PEER, uint32_t)[j]);
    put_str(e, out, valid, C_PEER, i, COL(s, S_ACTOR, uint32_t)[j]);
    put_str(e, out, valid, C_MTYPE, i, COL(s, S_MTYPE, uint32_t)[j]);
    return 0;
}

/* _take(other, start) -> dict: the columns of every event since the last call (column
 * bytes, "<name>.valid" bitmaps, "strings" = the view data buffer, "n", "other_used"). */
static PyObject *Engine__take(EngineObject *e, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyList_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "_take(other: list, start: int)");
        return NULL;
    }
    PyObject *other = args[0];
    Py_ssize_t oi = PyLong_AsSsize_t(args[1]);
    if (oi == -1 && PyErr_Occurred()) return NULL;
    static const int width[] = {8, 1, 4, 8, 4, 8};
    Py_ssize_t n = e->kinds.rows, nbits = (n + 7) / 8;
    OutBuf out[C_NUMBER] = {{0}}, valid[NVALID] = {{0}};
    PyObject *result = NULL;
    for (int c = 0; c < C_NUMBER; c++) {
        Py_ssize_t w = c < FIRST_STR ? width[c] : (Py_ssize_t)sizeof(View);
        if (out_new(&out[c], n * w) < 0) goto done;
    }
    for (int c = 0; c < NVALID; c++)
        if (out_new(&valid[c], nbits) < 0) goto done;
    const uint8_t *kinds = COL(&e->kinds, 0, uint8_t);
    Py_ssize_t si = e->send_cursor, ri = 0, hi = 0, start = oi;
    for (Py_ssize_t i = 0; i < n; i++) {
        uint8_t k = kinds[i];
        ((uint8_t *)out[C_KIND].p)[i] = k;
        if (k == K_SEND) {
            put_send(e, out, valid, i, si++);
        } else if (k == K_RECV) {
            if (put_joined(e, out, valid, i, &e->recvs, ri++, 0) < 0) goto done;
        } else if (k == K_HANDLE) {
            if (put_joined(e, out, valid, i, &e->handles, hi++, 1) < 0) goto done;
        } else {
            if (oi >= PyList_GET_SIZE(other)) {
                PyErr_SetString(PyExc_RuntimeError, "kind log is ahead of the recorded rows");
                goto done;
            }
            if (put_other(e, out, valid, i, k, PyList_GET_ITEM(other, oi++)) < 0) goto done;
        }
    }
    result = PyDict_New();
    if (!result) goto done;
    char key[64];
    for (int c = 0; c < C_NUMBER; c++) {
        if (PyDict_SetItemString(result, OUT_NAMES[c], out[c].bytes) < 0) goto fail;
        if (c >= C_MID) {
            snprintf(key, sizeof key, "%s.valid", OUT_NAMES[c]);
            if (PyDict_SetItemString(result, key, valid[c - C_MID].bytes) < 0) goto fail;
        }
    }
    PyObject *sdata = PyBytes_FromStringAndSize(e->sdata ? e->sdata : "", e->slen);
    PyObject *nn = PyLong_FromSsize_t(n), *used = PyLong_FromSsize_t(oi - start);
    int bad = !sdata || !nn || !used || PyDict_SetItemString(result, "strings", sdata) < 0 ||
              PyDict_SetItemString(result, "n", nn) < 0 ||
              PyDict_SetItemString(result, "other_used", used) < 0;
    Py_XDECREF(sdata);
    Py_XDECREF(nn);
    Py_XDECREF(used);
    if (bad) goto fail;
    /* Handed over: receives, handles and the kind log start afresh; sends stay, because
     * later receives are joined to them. */
    e->send_cursor = si;
    table_free(&e->kinds);
    table_free(&e->recvs);
    table_free(&e->handles);
    goto done;
fail:
    Py_CLEAR(result);
done:
    for (int c = 0; c < C_NUMBER; c++) Py_XDECREF(out[c].bytes);
    for (int c = 0; c < NVALID; c++) Py_XDECREF(valid[c].bytes);
    return result;
}
