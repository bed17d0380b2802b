/* collector/pagemap.h — the PAGEMAP_SCAN ioctl of /proc/self/pagemap
 * (Linux 6.7, linux/fs.h), declared here for older headers: its argument,
 * the regions it returns, the page categories and the flags the shim uses
 * (maps.c reads which pages are resident, dirty.c which were written). */
#ifndef LG_PAGEMAP_H
#define LG_PAGEMAP_H

#include <stdint.h>
#include <sys/ioctl.h>

/* The ioctl's argument (struct pm_scan_arg). */
struct lg_pm_scan_arg {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
  uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
/* One run of pages sharing categories (struct page_region). */
struct lg_page_region { uint64_t start, end, categories; };

#define LG_PAGEMAP_SCAN _IOWR('f', 16, struct lg_pm_scan_arg)
#define LG_PM_SCAN_WP_MATCHING (1ull << 0)   /* write-protect what matches */
#define LG_PM_SCAN_CHECK_WPASYNC (1ull << 1) /* only on WP-async ranges */
#define LG_PAGE_IS_WRITTEN (1ull << 1)
#define LG_PAGE_IS_PRESENT (1ull << 3)
#define LG_PAGE_IS_SWAPPED (1ull << 4)
#define LG_PAGE_IS_PFNZERO (1ull << 5)

#endif
