/* Part of _core.c (included there): the memory behind the recorded columns.
 *
 * A long run records tens of MiB, and at 4 KiB a page the page faults of fresh memory cost
 * more than writing it. So on Linux, blocks of 1 MiB and more are mapped and marked for huge
 * pages where the kernel allows them (a fault per 2 MiB), and grow with mremap, which moves
 * pages instead of copying them. Mapped memory starts zeroed and costs nothing until touched.
 * Smaller blocks, other systems and sanitizer builds (which must see every block) use the
 * ordinary allocator. Every block reads as zeros until written, growth included.
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

/* Frees what mem_grow gave for `size` bytes. */
static void mem_free(char *p, size_t size) {
    if (!p) return;
#if MEM_MAPPED
    if (size >= MEM_MAP_MIN) {
        munmap(p, mem_round(size));
        return;
    }
#endif
    PyMem_RawFree(p);
}

/* `old` (of `oldsize` bytes, or NULL and 0) grown to `size` bytes, the new ones zeroed; NULL
 * with MemoryError set on failure, `old` then untouched. A mapped block moves its pages to a
 * bigger aligned place (huge pages move whole), so nothing is copied. */
static char *mem_grow(char *old, size_t oldsize, size_t size) {
#if MEM_MAPPED
    if (size >= MEM_MAP_MIN) {
        char *p = mem_map(size);
        if (!p) return PyErr_NoMemory(), NULL;
        if (old && oldsize >= MEM_MAP_MIN) {
            void *q = mremap(old, mem_round(oldsize), mem_round(oldsize),
                             MREMAP_MAYMOVE | MREMAP_FIXED, p);
            if (q == MAP_FAILED) {
                munmap(p, mem_round(size));
                return PyErr_NoMemory(), NULL;
            }
            return p;
        }
        if (oldsize) memcpy(p, old, oldsize);
        mem_free(old, oldsize);
        return p;
    }
#endif
    char *p = PyMem_RawRealloc(old, size ? size : 1);
    if (!p) return PyErr_NoMemory(), NULL;
    if (size > oldsize) memset(p + oldsize, 0, size - oldsize);
    return p;
}
