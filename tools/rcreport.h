/* tools/rcreport.h — the report's refcount findings (SPEC sections 4 and
 * 5): per process, the RC_FINDING records of the scan it is reported from
 * (its exit scan, else its last complete scan), each object's birth stack
 * symbolized, suppressed when every object's birth stack matches a
 * suppression; and for an unbalanced object its **balance tree**.
 *
 * The balance tree (the idea of Mozilla's refcount balancer). Every folded
 * history entry of the object — a stack and how many refs and unrefs came
 * from it — and its birth — `base` refs from its birth stack — is a path
 * of frames from the outermost (the thread's start) inward. The paths are
 * merged into a tree, frames with the same function (and file) at the
 * same place merging into one node; each node carries the refs and unrefs
 * of the paths through it and its balance, refs - unrefs. The root's
 * balance is the object's count. Every subtree whose balance is zero is
 * pruned: a helper that refs and unrefs the same object balances and
 * disappears, and what is left leads to the ref that was never released.
 * The birth path ends at the first frame outside the library that made the
 * object (g_object_new's caller, not g_type_create_instance's), so that a
 * function that creates an object and releases it balances too; and the
 * frames of headers' inline functions (leakgraph_ref in the public header,
 * gst_buffer_unref in GStreamer's) are left out of every path. A node's
 * line is where it calls into the unbalanced child it leads to (for a
 * leaf: where the unbalanced refs come from).
 *
 * Also here: the refcounted objects in a cluster's blocks (RC_OBJECTS), so
 * that clusters name their types. Nothing here prints. */
#ifndef LG_RCREPORT_H
#define LG_RCREPORT_H

#include <stddef.h>
#include <stdint.h>

#include "analyze.h"

/* A node of a balance tree. Strings belong to the symbolizer. */
typedef struct lg_rtree {
  const char *function, *file, *module;
  int line;
  uint64_t address; /* a return address of the node's frame */
  uint64_t refs, unrefs;
  uint64_t self_refs, self_unrefs; /* of the paths that end here, not in a child */
  int self_line;                   /* where those come from */
  struct lg_rtree *children;
  size_t nchildren;
} lg_rtree_t;

/* An object of a finding, with its birth stack symbolized. */
typedef struct lg_robject {
  const lg_rcobject_t *src;
  lg_rstack_t birth;
} lg_robject_t;

typedef struct lg_rfinding {
  const lg_process_t *proc;
  const lg_rcfinding_t *src;
  lg_robject_t *objects; /* [src->nobjects] */
  lg_rtree_t tree;       /* unbalanced: the root (its children the outermost frames) */
} lg_rfinding_t;

/* lg_rcreport_build adds the findings of process `i` of report `r` (its
 * reported scan's), each unsuppressed one to r->rc, counting the others in
 * r->nrc_suppressed; it also sorts that process's RC_OBJECTS for
 * lg_rcreport_cluster_objects. */
void lg_rcreport_build(lg_report_t *r, size_t i, lg_sym_t *sym);
/* lg_rcreport_free releases what lg_rcreport_build added to `r`. */
void lg_rcreport_free(lg_report_t *r);

/* lg_rcreport_balance returns a node's balance, refs - unrefs. */
int64_t lg_rcreport_balance(const lg_rtree_t *t);

/* lg_rcreport_cluster_objects returns the refcounted objects in the
 * listed blocks of cluster `c` (from the RC_OBJECTS of the scan that
 * logged it), in listing order, in a new array of `*n` pointers (free it;
 * NULL when there is none). */
const lg_rcplaced_t **lg_rcreport_cluster_objects(const lg_rcluster_t *c, size_t *n);

/* lg_rcreport_same_type says whether two RC_OBJECTS entries have the same
 * type (name and family). */
int lg_rcreport_same_type(const lg_rcplaced_t *a, const lg_rcplaced_t *b);

/* lg_rcreport_kind_name: "cyclic_garbage", "unbalanced" or "unknown". */
const char *lg_rcreport_kind_name(uint32_t kind);

/* lg_rcreport_tree_from builds a balance tree (into *root) from `n`
 * symbolized paths: stacks[k] with refs[k] refs and unrefs[k] unrefs, and
 * prunes it. For lg_rcreport_build and the unit tests. */
void lg_rcreport_tree_from(lg_rtree_t *root, const lg_rstack_t *stacks, const uint64_t *refs,
                           const uint64_t *unrefs, size_t n);
/* lg_rcreport_tree_free releases the nodes below `root`. */
void lg_rcreport_tree_free(lg_rtree_t *root);

#endif
