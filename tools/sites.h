/* tools/sites.h — an allocation site as people and baselines see it: a
 * symbolized stack with its recursion folded, and the site key, the one
 * identity of a site in the report tool (what groups loss records, what a
 * baseline compares), which survives a rebuild elsewhere in the program
 * and address-space randomisation. Pure: no symbolization, no printing.
 *
 * Folding. A stack (innermost frame first) is cut into segments. Where
 * the functions of `p` consecutive frames (p = 1..LG_SITE_MAX_PERIOD)
 * repeat at once, the segment runs as long as they keep repeating: a
 * recursion, shown once with its depth (how many times its functions
 * repeated); every other frame is a segment of its own, depth 1. Frames
 * are the same function when module and function name agree (for a frame
 * without a function: module and address). A tree built by a recursive
 * make_tree gives its root [make_tree, build, main] and its leaves
 * [make_tree x4, build, main]: both fold to make_tree, build, main — one
 * site, shown as "recursion x4".
 *
 * The site key is the keys of the segments' shown frames, innermost
 * first, joined by ';'. A frame's key is its function (demangled), the
 * return address's offset within the function and its module's file name
 * (not its directory: a CI checkout moves) — `make_tree+0x24@leaky` — or,
 * for a frame without a function, its module and the offset in it —
 * `@python3.11+0x63f75b` — or "?" outside every module. A function inlined
 * into the next frame shares that frame's address and has offset 0. The
 * recursion's depth and its other frames are not part of it, nor are raw
 * addresses or line numbers: a baseline of an earlier build still knows
 * the site when only other code moved, and a deeper recursion is the same
 * leak. */
#ifndef LG_SITES_H
#define LG_SITES_H

#include <stddef.h>
#include <stdint.h>

#include "symbolize.h"

/* The longest cycle of functions that folding recognises as a recursion. */
#define LG_SITE_MAX_PERIOD 4

/* A segment of a folded stack: frames [first, first + len) of the stack,
 * of which the first `period` are shown; `depth` is how many times they
 * repeated (1: no recursion). */
typedef struct lg_fseg {
  uint32_t first, len, period, depth;
} lg_fseg_t;

/* A folded stack. It borrows the frames; it owns `segs` and `key`. */
typedef struct lg_fstack {
  const lg_symframe_t *frames;
  size_t nframes;
  lg_fseg_t *segs;
  size_t nsegs;
  char *key; /* the site key */
} lg_fstack_t;

/* lg_site_fold folds the `n` frames at `frames` (innermost first) into
 * `out` and computes its key. Free with lg_site_fold_free. */
void lg_site_fold(const lg_symframe_t *frames, size_t n, lg_fstack_t *out);

/* lg_site_fold_copy makes `out` a copy of `in` (same borrowed frames, its
 * own segments and key). */
void lg_site_fold_copy(const lg_fstack_t *in, lg_fstack_t *out);

/* lg_site_fold_max raises each segment depth of `acc` to that of `other`,
 * a folded stack with the same key. */
void lg_site_fold_max(lg_fstack_t *acc, const lg_fstack_t *other);

/* lg_site_fold_free releases what lg_site_fold allocated; zeroes `f`. */
void lg_site_fold_free(lg_fstack_t *f);

/* lg_site_max_depth returns the deepest recursion of `f` (1: none). */
uint32_t lg_site_max_depth(const lg_fstack_t *f);

/* lg_site_compact_len returns how many of the shown frames of `f` (its
 * segments' first `period` frames, innermost first) a compact view shows:
 * up to and including main, and never the C library's start-up frames
 * (__libc_start_call_main, __libc_start_main, _start) that call it. */
size_t lg_site_compact_len(const lg_fstack_t *f);

/* lg_site_frame_key returns the key of one frame (see above), a new
 * string. */
char *lg_site_frame_key(const lg_symframe_t *f);

/* lg_site_frames_key returns the key of the `n` frames at `frames` taken
 * as they are (no folding), a new string ("" for none). */
char *lg_site_frames_key(const lg_symframe_t *frames, size_t n);

/* lg_site_key returns the site key of the `n` frames at `frames`, folded,
 * a new string ("" for no frame). */
char *lg_site_key(const lg_symframe_t *frames, size_t n);

#endif
