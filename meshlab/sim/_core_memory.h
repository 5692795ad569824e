/* Part of _core.c (included there): the memory behind the recorded columns.
 *
 * A long run records tens of MiB, and at 4 KiB a page the page faults of fresh memory cost
 * more than writing it. So on Linux, blocks of 1 MiB and more are mapped and marked for huge
 * pages where the kernel allows them (a fault per 2 MiB), and grow with mremap, which moves
 * pages instead of copying them. Mapped memory starts zeroed and costs nothing until touched.
 * Smaller blocks, other systems and sanitizer builds (which must see every block) use the
 * ordinary allocator. Every block reads as zeros until written, growth included.
 *
 * The kernel zeroes every fresh page as it is first touched, which on its own costs several
 * times what writing the columns does. So a freed mapped block of a frame column is kept
 * (up to POOL_BLOCKS of them, POOL_BYTES in all) for the next frame that grows that column
 * past MEM_MAP_MIN: a mesh that records again (the next take of a served scenario, the next
 * run in a notebook or a benchmark) writes into pages it already has, zeroing only those its
 * predecessor touched (mincore says which) in its written part. A kept block may be bigger
 * than asked for: the caller keeps the size it got (`*alloc`) and grows only past it.
 */

#if defined(__linux__) && !defined(__SANITIZE_ADDRESS__)
#include <sys/mman.h>
#define MEM_MAPPED 1
#else
#define MEM_MAPPED 0
#endif

#define MEM_MAP_MIN ((size_t)1 << 18)
#define MEM_HUGE ((size_t)2 << 20)

#if MEM_MAPPED
/* Mapped blocks are whole, aligned huge pages: no part of one falls back to small pages. */
static size_t mem_round(size_t size) { return (size + MEM_HUGE - 1) & ~(MEM_HUGE - 1); }

/* A zeroed mapping of mem_round(size) bytes on a huge-page boundary, or NULL. */
static char *mem_map(size_t size) {
    size_t len = mem_round(size);
    char *raw = mmap(NULL, len + MEM_HUGE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return NULL;
    char *p = (char *)(((uintptr_t)raw + MEM_HUGE - 1) & ~(uintptr_t)(MEM_HUGE - 1));
    if (p > raw) munmap(raw, (size_t)(p - raw));
    munmap(p + len, (size_t)(raw + MEM_HUGE - p));
#ifdef MADV_HUGEPAGE
    madvise(p, len, MADV_HUGEPAGE);
#endif
    return p;
}
#endif

#if MEM_MAPPED
#define POOL_BLOCKS 24
#define POOL_BYTES ((size_t)256 << 20)
/* Freed mapped blocks kept for reuse: `tag` is the frame column (-1: not kept), `dirty` the
 * bytes from the start that may have been written. Used under the GIL only. */
static struct {
    char *p;
    size_t len, dirty;
    int tag;
} pool[POOL_BLOCKS];
static int pool_n;
static size_t pool_bytes;

/* Zeroes the pages of [p, p + n) that are in memory (the rest read as zeros already). */
static void mem_zero_resident(char *p, size_t n) {
    const size_t page = 4096;
    size_t pages = (n + page - 1) / page;
    unsigned char vec[4096];
    for (size_t first = 0; first < pages; first += sizeof vec) {
        size_t k = pages - first < sizeof vec ? pages - first : sizeof vec;
        if (mincore(p + first * page, k * page, vec) < 0) { /* cannot tell: zero it all */
            memset(p + first * page, 0, (first + k) * page > n ? n - first * page : k * page);
            continue;
        }
        for (size_t i = 0; i < k;) {
            if (!(vec[i] & 1)) {
                i++;
                continue;
            }
            size_t j = i;
            while (j < k && (vec[j] & 1)) j++;
            size_t from = (first + i) * page, to = (first + j) * page;
            memset(p + from, 0, (to > n ? n : to) - from);
            i = j;
        }
    }
}

/* A kept block of column `tag` of at least `size` bytes, zeroed, its length in *len; or
 * NULL. */
static char *pool_take(int tag, size_t size, size_t *len) {
    for (int i = pool_n - 1; i >= 0; i--) {
        if (pool[i].tag != tag || pool[i].len < size) continue;
        char *p = pool[i].p;
        *len = pool[i].len;
        mem_zero_resident(p, pool[i].dirty < *len ? pool[i].dirty : *len);
        pool_bytes -= pool[i].len;
        pool[i] = pool[--pool_n];
        return p;
    }
    return NULL;
}
#endif

/* Frees what mem_grow gave (`size` bytes, as it said in *alloc) for frame column `tag` (-1:
 * none); at most `dirty` bytes from the start were written. */
static void mem_free_tagged(char *p, size_t size, size_t dirty, int tag) {
    if (!p) return;
#if MEM_MAPPED
    if (size >= MEM_MAP_MIN) {
        size_t len = mem_round(size);
        if (tag >= 0 && pool_n < POOL_BLOCKS && pool_bytes + len <= POOL_BYTES) {
            pool[pool_n].p = p;
            pool[pool_n].len = len;
            pool[pool_n].dirty = dirty;
            pool[pool_n].tag = tag;
            pool_n++;
            pool_bytes += len;
            return;
        }
        munmap(p, len);
        return;
    }
#endif
    (void)dirty;
    (void)tag;
    PyMem_RawFree(p);
}

static void mem_free(char *p, size_t size) { mem_free_tagged(p, size, size, -1); }

/* How many freed blocks are kept for reuse. */
static int mem_kept(void) {
#if MEM_MAPPED
    return pool_n;
#else
    return 0;
#endif
}

/* `old` (of *alloc bytes, or NULL and 0) grown to at least `size` bytes, the new ones
 * zeroed, *alloc set to the size it has (more than `size` when a kept block of column `tag`
 * was bigger; -1: no column); NULL with MemoryError set on failure, `old` then untouched. A
 * mapped block moves its pages to a bigger aligned place (huge pages move whole), so nothing
 * is copied. */
static char *mem_grow_tagged(char *old, size_t *alloc, size_t size, int tag) {
    size_t oldsize = *alloc;
    if (old && size <= oldsize) return old;
#if MEM_MAPPED
    if (size >= MEM_MAP_MIN) {
        size_t len = mem_round(size);
        char *p = tag >= 0 ? pool_take(tag, size, &len) : NULL;
        if (!p) p = mem_map(size);
        if (!p) return PyErr_NoMemory(), NULL;
        if (old && oldsize >= MEM_MAP_MIN) {
            void *q = mremap(old, mem_round(oldsize), mem_round(oldsize),
                             MREMAP_MAYMOVE | MREMAP_FIXED, p);
            if (q == MAP_FAILED) {
                munmap(p, len);
                return PyErr_NoMemory(), NULL;
            }
        } else {
            if (oldsize) memcpy(p, old, oldsize);
            mem_free(old, oldsize);
        }
        *alloc = len;
        return p;
    }
#endif
    (void)tag;
    char *p = PyMem_RawRealloc(old, size ? size : 1);
    if (!p) return PyErr_NoMemory(), NULL;
    if (size > oldsize) memset(p + oldsize, 0, size - oldsize);
    *alloc = size;
    return p;
}
