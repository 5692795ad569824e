/* Part of _core.c (included there): the contract columns as they are recorded.
 *
 * Every event is written once, as a row of the frame it will be read as: numbers as plain
 * columns, strings as Arrow string views (the layout polars uses itself), nulls as validity
 * bitmaps, `kind` as its code. A receive or handle takes the columns only its send knows from
 * a narrow table of sends kept by msg_id. The rarer kinds are logged here by kind only and
 * filled in from the Python recorder's rows when the frame is taken (`_core_columns.h`).
 * Taking hands the column memory itself to Arrow: nothing is copied or written twice.
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
} Frame;

#define F_COL(f, c, T) ((T *)(f)->col[c])

static size_t frame_bytes(int c, Py_ssize_t rows) { return (size_t)rows * OUT_WIDTH[c]; }
static size_t frame_bits(Py_ssize_t rows) { return (size_t)(rows + 7) / 8; }

static void frame_free(Frame *f) {
    for (int c = 0; c < C_NUMBER; c++) mem_free(f->col[c], f->col_alloc[c]);
    for (int c = 0; c < NVALID; c++) mem_free(f->valid[c], f->valid_alloc[c]);
    memset(f, 0, sizeof *f);
}

/* Twice the room (zeroed), or -1 with MemoryError set and `f` unchanged in size. */
static int frame_grow(Frame *f) {
    Py_ssize_t cap = f->cap ? f->cap * 2 : 1024;
    for (int c = 0; c < C_NUMBER; c++) {
        char *p = mem_grow(f->col[c], f->col_alloc[c], frame_bytes(c, cap));
        if (!p) return -1; /* the columns grown so far are just roomier */
        f->col[c] = p;
        f->col_alloc[c] = frame_bytes(c, cap);
    }
    for (int c = 0; c < NVALID; c++) {
        char *p = mem_grow(f->valid[c], f->valid_alloc[c], frame_bits(cap));
        if (!p) return -1;
        f->valid[c] = p;
        f->valid_alloc[c] = frame_bits(cap);
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

/* ---- handing the columns over --------------------------------------------------------- */

/* Column memory that Python reads through the buffer protocol; Arrow wraps it without a
 * copy and frees it (mem_free of `alloc` bytes) when the last array using it is gone. */
typedef struct {
    PyObject_HEAD
    char *p;
    Py_ssize_t size;
    size_t alloc;
} BlockObject;

static int Block_getbuffer(BlockObject *b, Py_buffer *view, int flags) {
    return PyBuffer_FillInfo(view, (PyObject *)b, b->p, b->size, 1, flags);
}

static void Block_dealloc(BlockObject *b) {
    mem_free(b->p, b->alloc);
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

/* A Block owning `p` (`alloc` bytes, `size` of them read), or NULL (then `p` is freed). */
static PyObject *block_new(char *p, Py_ssize_t size, size_t alloc) {
    BlockObject *b = PyObject_New(BlockObject, &BlockType);
    if (!b) {
        mem_free(p, alloc);
        return NULL;
    }
    b->p = p;
    b->size = size;
    b->alloc = alloc;
    return (PyObject *)b;
}

/* Moves every column of `f` into `out` as Blocks ("<name>" and "<name>.valid" keys) and
 * leaves `f` empty. On failure the columns not yet moved are freed. */
static int frame_hand_over(Frame *f, PyObject *out) {
    int rc = 0;
    char key[64];
    for (int c = 0; c < C_NUMBER; c++) {
        PyObject *b = block_new(f->col[c], (Py_ssize_t)frame_bytes(c, f->rows), f->col_alloc[c]);
        f->col[c] = NULL;
        if (!b || PyDict_SetItemString(out, OUT_NAMES[c], b) < 0) rc = -1;
        Py_XDECREF(b);
        if (c < C_MID || rc < 0) continue;
        char *bits = f->valid[c - C_MID];
        f->valid[c - C_MID] = NULL;
        b = block_new(bits, (Py_ssize_t)frame_bits(f->rows), f->valid_alloc[c - C_MID]);
        snprintf(key, sizeof key, "%s.valid", OUT_NAMES[c]);
        if (!b || PyDict_SetItemString(out, key, b) < 0) rc = -1;
        Py_XDECREF(b);
    }
    frame_free(f); /* what a failure left behind */
    return rc;
}
