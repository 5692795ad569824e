/* Part of _core.c (included there): taking the frame columns of everything recorded so far.
 *
 * The message rows are complete already (`_core_record.h`); the rows of the rarer kinds were
 * logged by kind only (their positions noted), and their columns arrive as tuples in the
 * Python recorder's `other` list, in the same order. `_take` fills those in and hands every
 * column over, so polars only has to wrap the buffers.
 */

/* One tuple of the recorder's `other` list: (kind, t, node, actor, incarnation, parent, peer,
 * msg_id, msg_type, size, reason, duration). */
static int put_other(EngineObject *e, Frame *f, Py_ssize_t i, int kind, PyObject *row) {
    if (!PyTuple_Check(row) || PyTuple_GET_SIZE(row) != 12) {
        PyErr_SetString(PyExc_TypeError, "recorded row must be a 12-tuple");
        return -1;
    }
    PyObject **v = &PyTuple_GET_ITEM(row, 0);
    long code = PyLong_AsLong(v[0]);
    if (code != kind) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_RuntimeError, "kind log and recorded rows disagree at %zd", i);
        return -1;
    }
    double t = PyFloat_AsDouble(v[1]);
    long long inc = PyLong_AsLongLong(v[4]);
    if ((t == -1.0 || inc == -1) && PyErr_Occurred()) return -1;
    F_COL(f, C_T, double)[i] = t;
    F_COL(f, C_INC, uint32_t)[i] = (uint32_t)inc;
    static const int str_fields[][2] = {{2, C_NODE},  {3, C_ACTOR},    {5, C_PARENT},
                                        {6, C_PEER},  {8, C_MTYPE},    {10, C_REASON}};
    for (int k = 0; k < 6; k++) {
        long c = intern(e, v[str_fields[k][0]]);
        if (c < 0) return -1;
        frame_str(f, e->views, str_fields[k][1], i, (uint32_t)c);
    }
    if (v[7] != Py_None) {
        unsigned long long mid = PyLong_AsUnsignedLongLong(v[7]);
        if (mid == (unsigned long long)-1 && PyErr_Occurred()) return -1;
        F_COL(f, C_MID, uint64_t)[i] = mid;
        frame_valid(f, C_MID, i);
    }
    if (v[9] != Py_None) {
        long long size = PyLong_AsLongLong(v[9]);
        if (size == -1 && PyErr_Occurred()) return -1;
        F_COL(f, C_SIZE, uint32_t)[i] = (uint32_t)size;
        frame_valid(f, C_SIZE, i);
    }
    if (v[11] != Py_None) {
        double d = PyFloat_AsDouble(v[11]);
        if (d == -1.0 && PyErr_Occurred()) return -1;
        F_COL(f, C_DUR, double)[i] = d;
        frame_valid(f, C_DUR, i);
    }
    return 0;
}

/* _take(other, start) -> dict: the columns of every event since the last call (column
 * bytes, "<name>.valid" bitmaps, "strings" = the view data buffer, "n", "first" = the seq of
 * the first row, "other_used"). */
static PyObject *Engine__take(EngineObject *e, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyList_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "_take(other: list, start: int)");
        return NULL;
    }
    PyObject *other = args[0];
    Py_ssize_t oi = PyLong_AsSsize_t(args[1]);
    if (oi == -1 && PyErr_Occurred()) return NULL;
    Frame *f = &e->frame;
    Py_ssize_t n = f->rows, start = oi;
    const uint8_t *kinds = F_COL(f, C_KIND, uint8_t);
    for (Py_ssize_t j = 0; j < f->nothers; j++) {
        Py_ssize_t i = f->others[j];
        if (oi >= PyList_GET_SIZE(other)) {
            PyErr_SetString(PyExc_RuntimeError, "kind log is ahead of the recorded rows");
            return NULL;
        }
        if (put_other(e, f, i, kinds[i], PyList_GET_ITEM(other, oi++)) < 0) return NULL;
    }
    if (!f->cap && frame_grow(f) < 0) return NULL; /* nothing recorded: empty columns */
    frame_msg_validity(f);
    PyObject *result = PyDict_New();
    if (!result) return NULL;
    PyObject *sdata = PyBytes_FromStringAndSize(e->sdata ? e->sdata : "", e->slen);
    PyObject *nn = PyLong_FromSsize_t(n), *used = PyLong_FromSsize_t(oi - start);
    int bad = !sdata || !nn || !used || PyDict_SetItemString(result, "strings", sdata) < 0 ||
              PyDict_SetItemString(result, "n", nn) < 0 ||
              PyDict_SetItemString(result, "other_used", used) < 0;
    Py_XDECREF(sdata);
    Py_XDECREF(nn);
    Py_XDECREF(used);
    if (bad) { /* nothing handed over yet: the next call takes it all again */
        Py_DECREF(result);
        return NULL;
    }
    /* seq is not a column here: the caller numbers the rows from "first" (polars writes the
     * range into memory its allocator has at hand, not freshly mapped pages). */
    PyObject *first = PyLong_FromLongLong(e->taken);
    if (!first || PyDict_SetItemString(result, "first", first) < 0) {
        Py_XDECREF(first);
        Py_DECREF(result);
        return NULL;
    }
    Py_DECREF(first);
    /* The frame starts afresh: messages in flight carry what their receives will record. */
    int rc = frame_hand_over(f, result); /* the frame is empty now, either way */
    e->taken += n;
    if (rc < 0) Py_CLEAR(result);
    return result;
}
