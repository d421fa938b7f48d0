// Thin shim over ncursesw: macros and globals that Swift cannot import directly.
// Never part of a public Swift signature; TerminalUICurses is the only importer.
#ifndef VTPE_CNCURSES_SHIM_H
#define VTPE_CNCURSES_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <langinfo.h>
#include <locale.h>
#include <ncurses.h>
#include <string.h>
#include <sys/ioctl.h>

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
static inline attr_t vtpe_a_dim(void) { return A_DIM; }
static inline int vtpe_key_mouse(void) { return KEY_MOUSE; }
static inline int vtpe_key_btab(void) { return KEY_BTAB; }
/// Whether the locale's character set is UTF-8 (else line drawing falls back to ASCII).
static inline int vtpe_locale_is_utf8(void) { const char *c = nl_langinfo(CODESET); return c && strcmp(c, "UTF-8") == 0; }
/// The window's size as the terminal reports it now; 0 when it cannot be read.
static inline int vtpe_window_size(int *rows, int *columns) {
    struct winsize ws;
    if (ioctl(1, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) return 0;
    *rows = ws.ws_row;
    *columns = ws.ws_col;
    return 1;
}
/// Button 1 presses and clicks are reported, at once (no click-interval wait).
static inline void vtpe_enable_mouse(void) { mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED, NULL); mouseinterval(0); }
/// After KEY_MOUSE: 1 and the cell when it was a button 1 press or click, else 0.
static inline int vtpe_mouse_click(int *row, int *column) {
    MEVENT event;
    if (getmouse(&event) != OK) return 0;
    if (!(event.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))) return 0;
    *row = event.y;
    *column = event.x;
    return 1;
}
#endif
