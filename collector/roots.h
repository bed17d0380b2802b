/* collector/roots.h — the roots phase of a scan: the memory marking starts
 * from. Every aligned pointer-sized word of a root that points at or into
 * a live block marks that block; blocks are then read as blocks, never as
 * roots (graph.h).
 *
 * What is a root:
 *   - the writable segments (data, bss) of every loaded module but the
 *     shim's and its unwinder's;
 *   - the regions registered through the API (leakgraph_register_root,
 *     __lsan_register_root_region);
 *   - each stopped thread's registers as its stop handler saved them, its
 *     stack from the stack pointer up (with the 128-byte red zone below
 *     it), and its static TLS and thread descriptor, minus the shim's TLS;
 *     the same for the scanning thread itself, unless it is the shim's
 *     scanner thread, which holds nothing of the program's;
 *   - a thread whose stack pointer is outside its own stack (code running
 *     on a coroutine or fiber stack allocated with malloc or mmap, a signal
 *     handler on an alternate stack): its own stack whole, conservatively,
 *     since where it left it is unknown, and the block or mapping it runs
 *     on from its stack pointer up;
 *   - a thread that did not stop (it blocks the stop signal, or did not
 *     answer in time): its whole stack mapping and its TLS, conservatively,
 *     and from its stack pointer up where the kernel shows one outside that
 *     stack; the thread runs on meanwhile, so nothing of it is trusted to
 *     stay put, and its registers are unknown;
 *   - every other writable mapping of the process, private or shared,
 *     anonymous or backed by a file: memory the program mapped itself (an
 *     allocator's arenas, object pools, a garbage-collected heap, coroutine
 *     stacks), read where its pages are in memory (root kind "mapping");
 *   - blocks the program asked to ignore, and blocks the dynamic loader
 *     allocated for itself (kept alive through pointers the scan cannot
 *     see).
 *
 * What is not a root:
 *   - the malloc heap, whose blocks are read as blocks when they are
 *     reached; read as a root, stale pointers in free chunks would hide
 *     leaks. That is the brk heap ([heap], glibc's main arena), the heaps
 *     of glibc's other arenas (64 MiB-aligned, recognised by their
 *     heap_info), every chunk glibc maps for a single block (known by the
 *     IS_MMAPPED bit of its header: the whole mapping, header and tail),
 *     and every tracked block wherever it lies (a custom allocator's);
 *   - the shim's own memory: its modules' data and its TLS, the scanner
 *     thread's stack and the stack scans run on, and every mapping the
 *     shim made — found page by page by sys.c's tagged header, so that a
 *     shim mapping the kernel merged with a program mapping into one VMA is
 *     still left out, and one split into several VMAs (a guard page) is
 *     left out whole;
 *   - the dead parts of stacks: below a stopped thread's stack pointer,
 *     stacks glibc keeps for reuse and those of exited threads (found by
 *     the thread descriptor at their top, tdesc.h);
 *   - pages that are not in memory (never touched, MAP_NORESERVE holes),
 *     and what is not plain memory or cannot be read: PROT_NONE guards,
 *     read-only mappings, the kernel's [vdso], [vvar] and [vsyscall],
 *     devices (/dev/... but /dev/zero and /dev/shm), kernel objects
 *     (anon_inode:...), DMA buffers (maps.h). Nothing is ever faulted in.
 *
 * Order matters only for retention chains, which name the first root that
 * reached a block: module data, registered regions, threads, mappings,
 * ignored blocks.
 *
 * The phase reads the mappings the scan listed just before (s->maps), so
 * nothing listed there may be unmapped until it ends — by the shim neither
 * (maps.c leaves its own buffer out of the list). It runs with the world
 * stopped or in the snapshot child: no malloc, no lock, raw system calls. */
#ifndef LG_ROOTS_H
#define LG_ROOTS_H

#include "scan.h"

/* lg_roots_mark marks every root of scan s (its maps read, its heap
 * snapshot built); lg_mark_finish then floods what they reach. */
void lg_roots_mark(lg_scan_t *s);
/* lg_roots_mark_live is lg_roots_mark without the ignored blocks: the
 * concurrent mark's finish (concmark.h), which marks those from the
 * ignore list (lg_ignored_mark) and the table's written pages instead of
 * a walk of every block. */
void lg_roots_mark_live(lg_scan_t *s);
/* lg_roots_gate, when set, is called between the registered regions and
 * the threads: the concurrent mark's test gate (concmark.h). A second
 * lg_roots_mark of the same scan keeps the first one's parents. */
extern void (*lg_roots_gate)(lg_scan_t *s);

#endif
