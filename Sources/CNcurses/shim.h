// Thin shim over ncursesw: macros and globals that Swift cannot import directly.
// Never part of a public Swift signature; TerminalUICurses is the only importer.
#ifndef VTPE_CNCURSES_SHIM_H
#define VTPE_CNCURSES_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <ncurses.h>

static inline WINDOW *vtpe_stdscr(void) { return stdscr; }
static inline int vtpe_lines(void) { return LINES; }
static inline int vtpe_cols(void) { return COLS; }
static inline int vtpe_key_resize(void) { return KEY_RESIZE; }
static inline int vtpe_key_backspace(void) { return KEY_BACKSPACE; }
static inline int vtpe_key_enter(void) { return KEY_ENTER; }
static inline int vtpe_key_up(void) { return KEY_UP; }
static inline int vtpe_key_down(void) { return KEY_DOWN; }
static inline int vtpe_key_f(int n) { return KEY_F0 + n; }
static inline int vtpe_err(void) { return ERR; }
static inline attr_t vtpe_a_bold(void) { return A_BOLD; }
static inline attr_t vtpe_a_reverse(void) { return A_REVERSE; }
static inline attr_t vtpe_a_normal(void) { return A_NORMAL; }
static inline attr_t vtpe_color_pair(short n) { return COLOR_PAIR(n); }
static inline void vtpe_set_locale(void) { setlocale(LC_ALL, ""); }
static inline int vtpe_attrset(attr_t a) { return attrset(a); }
#endif
