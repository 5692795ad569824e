/* Part of _core.c (included there): the contract columns as they are recorded.
 *
 * Every event is written once, as a row of the frame it will be read as: numbers as plain
 * columns, strings as Arrow string views (the layout polars uses itself), nulls as validity
 * bitmaps, `kind` as its code. A receive or handle takes the columns only its send knows
 * (receiver's node, the two actors, type, size) from the message itself, which carries them
 * while it is in flight or queued (`MsgInfo`): nothing is kept per message once it has been
 * handled or dropped. The rarer kinds are logged here by kind only and filled in from the
 * Python recorder's rows when the frame is taken (`_core_columns.h`). Taking hands the
 * column memory itself to Arrow: nothing is copied or written twice.
 *
 * A message row writes no validity bit in the common case: its msg_id, its four string
 * columns and (for a send or handle) its duration are always there, so their bits are set
 * from the kind column in one pass when the frame is taken (8 rows a byte), and the rare
 * missing name (a send to None) is noted to be cleared then. Only a size or a reason, which
 * a message has or not, sets its bit as it is written.
 */

enum { C_T, C_KIND, C_INC, C_MID, C_SIZE, C_DUR, C_NODE, C_ACTOR, C_PARENT, C_PEER, C_MTYPE,
       C_REASON, C_NUMBER };
static const char *OUT_NAMES[] = {"t",      "kind", "incarnation", "msg_id", "size",
                                  "duration", "node", "actor",     "parent", "peer",
                                  "msg_type", "reason"};
static const int OUT_WIDTH[] = {8, 1, 4, 8, 4, 8, 16, 16, 16, 16, 16, 16};
#define FIRST_STR C_NODE
/* validity bitmaps, for the nullable columns from C_MID on */
#define NVALID (C_NUMBER - C_MID)

typedef struct {
    Py_ssize_t rows, cap;
    char *col[C_NUMBER];
    char *valid[NVALID];
    size_t col_alloc[C_NUMBER], valid_alloc[NVALID]; /* bytes held by each */
    /* The rows of the rarer kinds, in order: `_take` fills just these from Python's rows. */
    Py_ssize_t *others;
    Py_ssize_t nothers, ocap;
    /* String cells of message rows that are null after all: 4 * row + k, k the place of
     * the column in MsgInfo (node, actor, peer, type). */
    Py_ssize_t *nulls;
    Py_ssize_t nnulls, ncap;
} Frame;

#define F_COL(f, c, T) ((T *)(f)->col[c])

static size_t frame_bytes(int c, Py_ssize_t rows) { return (size_t)rows * OUT_WIDTH[c]; }
static size_t frame_bits(Py_ssize_t rows) { return (size_t)(rows + 7) / 8; }

static void frame_free(Frame *f) {
    for (int c = 0; c < C_NUMBER; c++)
        mem_free_tagged(f->col[c], f->col_alloc[c], frame_bytes(c, f->rows), c);
    for (int c = 0; c < NVALID; c++)
        mem_free_tagged(f->valid[c], f->valid_alloc[c], frame_bits(f->rows), C_NUMBER + c);
    PyMem_Free(f->others);
    PyMem_Free(f->nulls);
    memset(f, 0, sizeof *f);
}

/* Twice the room (zeroed), or -1 with MemoryError set and `f` unchanged in size. A column
 * given a kept block bigger than that (`_core_memory.h`) grows again only past it. */
static int frame_grow(Frame *f) {
    Py_ssize_t cap = f->cap ? f->cap * 2 : 1024;
    for (int c = 0; c < C_NUMBER; c++) {
        char *p = mem_grow_tagged(f->col[c], &f->col_alloc[c], frame_bytes(c, cap), c);
        if (!p) return -1; /* the columns grown so far are just roomier */
        f->col[c] = p;
    }
    for (int c = 0; c < NVALID; c++) {
        char *p = mem_grow_tagged(f->valid[c], &f->valid_alloc[c], frame_bits(cap),
                                  C_NUMBER + c);
        if (!p) return -1;
        f->valid[c] = p;
    }
    f->cap = cap;
    return 0;
}

/* The index of a new, all-null row of kind `kind`, or -1 with MemoryError set. */
static inline Py_ssize_t frame_row(Frame *f, uint8_t kind) {
    if (f->rows == f->cap && frame_grow(f) < 0) return -1;
    F_COL(f, C_KIND, uint8_t)[f->rows] = kind;
    return f->rows++;
}

/* The index of the first of two new rows, of kinds `k0` and `k1`, or -1 (MemoryError). */
static inline Py_ssize_t frame_rows2(Frame *f, uint8_t k0, uint8_t k1) {
    if (f->rows + 2 > f->cap && frame_grow(f) < 0) return -1; /* cap is even: one grow */
    uint8_t *kind = F_COL(f, C_KIND, uint8_t) + f->rows;
    kind[0] = k0;
    kind[1] = k1;
    f->rows += 2;
    return f->rows - 2;
}

/* Appends `v` to a growable list of indices; -1 on MemoryError. */
static int index_add(Py_ssize_t **list, Py_ssize_t *n, Py_ssize_t *cap, Py_ssize_t v) {
    if (*n == *cap) {
        Py_ssize_t c = *cap ? *cap * 2 : 256;
        Py_ssize_t *l = PyMem_Realloc(*list, (size_t)c * sizeof(Py_ssize_t));
        if (!l) return PyErr_NoMemory(), -1;
        *list = l;
        *cap = c;
    }
    (*list)[(*n)++] = v;
    return 0;
}

/* Notes that row i is of a rarer kind (filled from Python's rows when taken). */
static int frame_other(Frame *f, Py_ssize_t i) {
    return index_add(&f->others, &f->nothers, &f->ocap, i);
}

static inline void frame_valid(Frame *f, int col, Py_ssize_t i) {
    f->valid[col - C_MID][i >> 3] |= (char)(1 << (i & 7));
}

/* String column `col` of row i: the view of string code `code`; code 0 is null. */
static inline void frame_str(Frame *f, const View *views, int col, Py_ssize_t i,
                             uint32_t code) {
    if (!code) return; /* null: zero view, validity bit clear */
    F_COL(f, col, View)[i] = views[code];
    frame_valid(f, col, i);
}

/* What the receive and the handle of a message record besides time and incarnation: the
 * string codes of the receiver's node, the receiver, the sender and the message type, and the
 * size (-1: none). The send works them out; the message carries them until it is handled.
 * `null` says whether a code is 0 (None), worked out once for the rows of the message. */
typedef struct {
    uint32_t node, actor, peer, mtype;
    long long size;
    int null;
} MsgInfo;

static inline void msg_info_nulls(MsgInfo *m) {
    m->null = !m->node || !m->actor || !m->peer || !m->mtype;
}

/* The message kinds are consecutive codes: one compare tells a message row. */
_Static_assert(K_RECV == K_SEND + 1 && K_HANDLE == K_SEND + 2, "message kinds not adjacent");

/* Rows i to i + n - 1 of message events (kinds already logged; n is 1, or 2 for a receive
 * and the handle that follows it at once): time, incarnation, msg_id and the four string
 * columns (`codes`: node, actor, peer, type, as in MsgInfo) in each, the size when there is
 * one, the duration in the last (`dur`, for a send or handle, not NULL), the reason in the
 * first when `reason` (a code) is not 0. -1 on MemoryError. Everything is read into locals
 * first: a string view is stored as a struct of chars, which may alias anything, so the
 * compiler would otherwise read the codes and the column pointers again after every view. */
static ALWAYS_INLINE int frame_msg_rows(Frame *f, const View *views, Py_ssize_t i, int n,
                                        double t, uint32_t inc, uint64_t mid,
                                        const MsgInfo *codes, const double *dur,
                                        uint32_t reason) {
    const MsgInfo c = *codes;
    const View node = views[c.node], actor = views[c.actor], peer = views[c.peer],
               mtype = views[c.mtype];
    double *ct = F_COL(f, C_T, double);
    uint32_t *cinc = F_COL(f, C_INC, uint32_t);
    uint64_t *cmid = F_COL(f, C_MID, uint64_t);
    View *cnode = F_COL(f, C_NODE, View), *cactor = F_COL(f, C_ACTOR, View),
         *cpeer = F_COL(f, C_PEER, View), *cmtype = F_COL(f, C_MTYPE, View);
    if (dur) F_COL(f, C_DUR, double)[i + n - 1] = *dur;
    for (Py_ssize_t r = i; r < i + n; r++) {
        ct[r] = t;
        cinc[r] = inc;
        cmid[r] = mid;
        /* code 0 (None) has the all-zero view, and is rare: its bit is cleared when taken */
        cnode[r] = node;
        cactor[r] = actor;
        cpeer[r] = peer;
        cmtype[r] = mtype;
    }
    if (c.size >= 0) {
        for (Py_ssize_t r = i; r < i + n; r++) {
            F_COL(f, C_SIZE, uint32_t)[r] = (uint32_t)c.size;
            frame_valid(f, C_SIZE, r);
        }
    }
    if (reason) {
        F_COL(f, C_REASON, View)[i] = views[reason];
        frame_valid(f, C_REASON, i);
    }
    if (c.null) {
        const uint32_t code[4] = {c.node, c.actor, c.peer, c.mtype};
        for (Py_ssize_t r = i; r < i + n; r++)
            for (int k = 0; k < 4; k++)
                if (!code[k] && index_add(&f->nulls, &f->nnulls, &f->ncap, 4 * r + k) < 0)
                    return -1;
    }
    return 0;
}

/* The validity bits of every message row, from the kind column, 8 rows (one bitmap byte) at
 * a time: msg_id and the four string columns (less the noted nulls), and the duration of
 * sends and handles. Rows of other kinds keep the bits `put_other` gave them. */
static void frame_msg_validity(Frame *f) {
    const uint8_t *kind = F_COL(f, C_KIND, uint8_t);
    uint8_t *vmid = (uint8_t *)f->valid[C_MID - C_MID], *vdur = (uint8_t *)f->valid[C_DUR - C_MID],
            *vnode = (uint8_t *)f->valid[C_NODE - C_MID],
            *vactor = (uint8_t *)f->valid[C_ACTOR - C_MID],
            *vpeer = (uint8_t *)f->valid[C_PEER - C_MID],
            *vmtype = (uint8_t *)f->valid[C_MTYPE - C_MID];
    /* Each byte of w is a kind code (< 128). Adding 128 - c to every byte sets its top bit
     * exactly when the code is >= c, with no carry into the next byte; so the top bits of
     * ge(K_SEND) & ~ge(K_HANDLE + 1) mark the message rows, and a multiply gathers the eight
     * top bits into one byte, row j at bit j. */
    const uint64_t ones = 0x0101010101010101ULL, tops = 0x8080808080808080ULL;
    _Static_assert(N_KINDS < 128, "kind codes must leave the top bit of a byte free");
    /* the capacity is a multiple of 8 and the rows past the end are zero (not a message) */
    Py_ssize_t nbytes = (Py_ssize_t)frame_bits(f->rows);
    for (Py_ssize_t b = 0; b < nbytes; b++) {
        uint64_t w;
        memcpy(&w, kind + 8 * b, 8); /* little-endian: row 8b + j in byte j */
        uint64_t msg = (w + ones * (128 - K_SEND)) & ~(w + ones * (128 - K_HANDLE - 1)) & tops;
        uint64_t recv = w ^ (ones * K_RECV); /* bytes of receives are zero */
        uint64_t not_recv = ((recv & ~tops) + ~tops) & tops; /* top bit: byte not zero */
        uint8_t m = (uint8_t)(((msg >> 7) * 0x0102040810204080ULL) >> 56);
        uint8_t d = (uint8_t)((((msg & not_recv) >> 7) * 0x0102040810204080ULL) >> 56);
        vmid[b] |= m;
        vnode[b] |= m;
        vactor[b] |= m;
        vpeer[b] |= m;
        vmtype[b] |= m;
        vdur[b] |= d;
    }
    static const int cols[4] = {C_NODE, C_ACTOR, C_PEER, C_MTYPE}; /* MsgInfo's order */
    for (Py_ssize_t j = 0; j < f->nnulls; j++) {
        Py_ssize_t i = f->nulls[j] >> 2;
        f->valid[cols[f->nulls[j] & 3] - C_MID][i >> 3] &= (char)~(1 << (i & 7));
    }
}

/* ---- handing the columns over --------------------------------------------------------- */

/* Column memory that Python reads through the buffer protocol; Arrow wraps it without a
 * copy and frees it (`alloc` bytes, kept for the next frame's column `tag` if it can be)
 * when the last array using it is gone. */
typedef struct {
    PyObject_HEAD
    char *p;
    Py_ssize_t size;
    size_t alloc;
    int tag;
} BlockObject;

static int Block_getbuffer(BlockObject *b, Py_buffer *view, int flags) {
    return PyBuffer_FillInfo(view, (PyObject *)b, b->p, b->size, 1, flags);
}

static void Block_dealloc(BlockObject *b) {
    mem_free_tagged(b->p, b->alloc, (size_t)b->size, b->tag);
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

/* A Block owning `p` (`alloc` bytes, `size` of them read, of column `tag`), or NULL (then
 * `p` is freed). */
static PyObject *block_new(char *p, Py_ssize_t size, size_t alloc, int tag) {
    BlockObject *b = PyObject_New(BlockObject, &BlockType);
    if (!b) {
        mem_free_tagged(p, alloc, (size_t)size, tag);
        return NULL;
    }
    b->p = p;
    b->size = size;
    b->alloc = alloc;
    b->tag = tag;
    return (PyObject *)b;
}

/* Moves every column of `f` into `out` as Blocks ("<name>" and "<name>.valid" keys) and
 * leaves `f` empty. On failure the columns not yet moved are freed. */
static int frame_hand_over(Frame *f, PyObject *out) {
    int rc = 0;
    char key[64];
    for (int c = 0; c < C_NUMBER; c++) {
        PyObject *b = block_new(f->col[c], (Py_ssize_t)frame_bytes(c, f->rows), f->col_alloc[c], c);
        f->col[c] = NULL;
        if (!b || PyDict_SetItemString(out, OUT_NAMES[c], b) < 0) rc = -1;
        Py_XDECREF(b);
        if (c < C_MID || rc < 0) continue;
        char *bits = f->valid[c - C_MID];
        f->valid[c - C_MID] = NULL;
        b = block_new(bits, (Py_ssize_t)frame_bits(f->rows), f->valid_alloc[c - C_MID],
                      C_NUMBER + c - C_MID);
        snprintf(key, sizeof key, "%s.valid", OUT_NAMES[c]);
        if (!b || PyDict_SetItemString(out, key, b) < 0) rc = -1;
        Py_XDECREF(b);
    }
    frame_free(f); /* what a failure left behind */
    return rc;
}
