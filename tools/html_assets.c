/* tools/html_assets.c — the HTML report's static parts, tools/html/report.css
 * and tools/html/report.js, embedded into the report tool at build time by
 * the assembler's .incbin (paths relative to the repository root, where
 * make runs the compiler; the Makefile makes this object depend on both
 * files), each followed by a NUL so that C reads it as a string. */
#include "html.h"

__asm__(".section .rodata\n"
        ".globl lg_html_css\n"
        ".hidden lg_html_css\n"
        ".type lg_html_css, @object\n"
        "lg_html_css:\n"
        ".incbin \"tools/html/report.css\"\n"
        ".byte 0\n"
        ".size lg_html_css, .-lg_html_css\n"
        ".globl lg_html_js\n"
        ".hidden lg_html_js\n"
        ".type lg_html_js, @object\n"
        "lg_html_js:\n"
        ".incbin \"tools/html/report.js\"\n"
        ".byte 0\n"
        ".size lg_html_js, .-lg_html_js\n"
        ".previous\n");
