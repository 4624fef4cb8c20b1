/* lex.c: the Lua 5.4 lexer (tokens, long brackets, escapes, numerals, syntax errors). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include "lex.h"
#include "str.h"
#include "gc.h"
#include "tab.h"
#include "call.h"

#define EOZ (-1)

static const char *const token_names[] = {
  "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
  "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
  "//", "..", "...", "==", ">=", "<=", "~=", "<<", ">>", "::", "<eof>",
  "<number>", "<integer>", "<name>", "<string>"
};

void lex_init(State *L) {
  for (int i = 0; i < LEX_NRESERVED; i++) {
    Str *s = str_newz(L, token_names[i]);
    s->marked |= GC_FIXED;
    s->reserved = (uint8_t)(i + 1);
  }
}

/* -- Errors ----------------------------------------------------------------------------- */

const char *lex_token2str(int tok, char *out) {
  if (tok < TK_AND) {
    if (isprint(tok)) snprintf(out, 64, "'%c'", tok);
    else snprintf(out, 64, "'<\\%d>'", tok);
  } else if (tok < TK_EOS) {
    snprintf(out, 64, "'%s'", token_names[tok - TK_AND]);
  } else {
    snprintf(out, 64, "%s", token_names[tok - TK_AND]);
  }
  return out;
}

/* Pushes "<chunkid>:<line>: <msg>[ near <tok>]" and throws a syntax error. */
static _Noreturn void throw_msg(LexState *ls, const char *msg, const char *near, size_t nearlen,
                                int quoted) {
  State *L = ls->L;
  size_t cap = strlen(ls->chunkid) + strlen(msg) + nearlen + 64;
  char *text = malloc(cap);
  if (text == NULL) {
    setstr(L->top, G(L)->memerrmsg);
    L->top++;
    call_throw(L, ST_ERRMEM);
  }
  int n = snprintf(text, cap, "%s:%d: %s", ls->chunkid, ls->line, msg);
  if (near != NULL) {
    n += snprintf(text + n, cap - (size_t)n, quoted ? " near '" : " near ");
    memcpy(text + n, near, nearlen);
    n += (int)nearlen;
    if (quoted) text[n++] = '\'';
  }
  call_checkstack(L, 1);
  Str *s = str_new(L, text, (size_t)n);
  free(text);
  setstr(L->top, s);
  L->top++;
  call_throw(L, ST_ERRSYNTAX);
}

void lex_error(LexState *ls, const char *msg, int tok) {
  if (tok == 0) throw_msg(ls, msg, NULL, 0, 0);
  if (tok == TK_NAME || tok == TK_STRING || tok == TK_FLT || tok == TK_INT)   /* up to a '\0', as lua5.4 */
    throw_msg(ls, msg, ls->buf, ls->buf ? strnlen(ls->buf, ls->blen) : 0, 1);
  char name[64];
  lex_token2str(tok, name);
  throw_msg(ls, msg, name, strlen(name), 0);
}

void lex_syntaxerror(LexState *ls, const char *msg) {
  lex_error(ls, msg, ls->t.tok);
}

void lex_semerror(LexState *ls, const char *msg) {
  lex_error(ls, msg, 0);
}

/* -- Input and the token buffer --------------------------------------------------------- */

static void advance(LexState *ls) {
  ls->current = ls->p < ls->end ? (unsigned char)*ls->p++ : EOZ;
}

static void save(LexState *ls, int c) {
  if (ls->blen + 1 >= ls->bcap) {
    size_t ncap = ls->bcap ? ls->bcap * 2 : 64;
    char *nb = realloc(ls->buf, ncap);
    if (nb == NULL) {
      setstr(ls->L->top, G(ls->L)->memerrmsg);
      ls->L->top++;
      call_throw(ls->L, ST_ERRMEM);
    }
    ls->buf = nb;
    ls->bcap = ncap;
  }
  ls->buf[ls->blen++] = (char)c;
  ls->buf[ls->blen] = '\0';
}

static void save_advance(LexState *ls) {
  save(ls, ls->current);
  advance(ls);
}

static int isnewline(int c) { return c == '\n' || c == '\r'; }

/* Skips one newline sequence (\n, \r, \n\r or \r\n) and counts the line. */
static void newline(LexState *ls) {
  int old = ls->current;
  advance(ls);
  if (isnewline(ls->current) && ls->current != old) advance(ls);
  ls->line++;
}

static int accept(LexState *ls, int c) {
  if (ls->current != c) return 0;
  save_advance(ls);
  return 1;
}

static int accept2(LexState *ls, const char *set) {
  if (ls->current != set[0] && ls->current != set[1]) return 0;
  save_advance(ls);
  return 1;
}

Str *lex_newstring(LexState *ls, const char *s, size_t len) {
  State *L = ls->L;
  call_checkstack(L, 1);
  Str *str = str_new(L, s, len);
  setstr(L->top, str);
  L->top++;
  Table *anchor = tabvalue(restorestack(L, ls->anchor));
  const TValue *old = tab_getstr(anchor, str);
  if (ttisstr(old)) {
    str = strvalue(old);            /* a long string seen before: reuse the anchored one */
  } else {
    tab_setstr(L, anchor, str, L->top - 1);
    gc_barrierback(L, anchor, L->top - 1);
  }
  L->top--;
  gc_check(L);
  return str;
}

void lex_setinput(LexState *ls, const char *buf, size_t len, Str *source) {
  ls->p = buf;
  ls->end = buf + len;
  ls->line = 1;
  ls->lastline = 1;
  ls->hasahead = 0;
  ls->source = source;
  ls->blen = 0;
  obj_chunkid(ls->chunkid, strdata(source), source->len);
  ls->envname = lex_newstring(ls, "_ENV", 4);
  advance(ls);
}

/* -- Long brackets ---------------------------------------------------------------------- */

/* After '[' or ']': counts '=' signs; returns the level + 2 when the second bracket follows,
 * 1 for a lone bracket, 0 for '[=' without the second bracket (an error for strings). */
static size_t bracket_level(LexState *ls) {
  int open = ls->current;
  size_t n = 0;
  save_advance(ls);
  while (ls->current == '=') {
    save_advance(ls);
    n++;
  }
  if (ls->current == open) return n + 2;
  return n == 0 ? 1 : 0;
}

static void read_long(LexState *ls, Token *tk, size_t level) {
  int startline = ls->line;
  save_advance(ls);                           /* second '[' */
  if (isnewline(ls->current)) newline(ls);    /* a first newline is skipped */
  for (;;) {
    switch (ls->current) {
      case EOZ: {
        char msg[80];
        snprintf(msg, sizeof msg, "unfinished long %s (starting at line %d)",
                 tk ? "string" : "comment", startline);
        lex_error(ls, msg, TK_EOS);
      }
      case ']':
        if (bracket_level(ls) == level) {
          save_advance(ls);
          if (tk) tk->sem.s = lex_newstring(ls, ls->buf + level, ls->blen - 2 * level);
          return;
        }
        break;
      case '\n': case '\r':
        save(ls, '\n');
        newline(ls);
        if (!tk) ls->blen = 0;                /* comments need no text */
        break;
      default:
        if (tk) save_advance(ls);
        else advance(ls);
    }
  }
}

/* -- Strings ---------------------------------------------------------------------------- */

static _Noreturn void escape_error(LexState *ls, const char *msg) {
  if (ls->current != EOZ) save_advance(ls);   /* the offending character is shown */
  lex_error(ls, msg, TK_STRING);
}

static int hexvalue(int c) {
  return isdigit(c) ? c - '0' : (tolower(c) - 'a') + 10;
}

static int read_hexdigit(LexState *ls) {
  save_advance(ls);
  if (!isxdigit(ls->current)) escape_error(ls, "hexadecimal digit expected");
  return hexvalue(ls->current);
}

/* Appends the UTF-8 encoding (up to 6 bytes, values < 2^31) of x to the buffer. */
static void save_utf8(LexState *ls, uint32_t x) {
  char out[8];
  int n = 0;
  if (x < 0x80) {
    out[n++] = (char)x;
  } else {
    uint32_t limit = 0x3f;                    /* largest value the first byte can hold */
    char tail[8];
    int nt = 0;
    while (x > limit) {
      tail[nt++] = (char)(0x80 | (x & 0x3f));
      x >>= 6;
      limit >>= 1;
    }
    out[n++] = (char)((~limit << 1) | x);
    while (nt > 0) out[n++] = tail[--nt];
  }
  for (int i = 0; i < n; i++) save(ls, (unsigned char)out[i]);
}

static void read_utf8_escape(LexState *ls) {
  size_t mark = ls->blen;                     /* the buffer shows "\u{..." on errors */
  save_advance(ls);                           /* 'u' */
  if (ls->current != '{') escape_error(ls, "missing '{'");
  uint32_t x = (uint32_t)read_hexdigit(ls);
  for (;;) {
    save_advance(ls);
    if (!isxdigit(ls->current)) break;
    if (x >= 0x8000000u) escape_error(ls, "UTF-8 value too large");
    x = (x << 4) + (uint32_t)hexvalue(ls->current);
  }
  if (ls->current != '}') escape_error(ls, "missing '}'");
  advance(ls);
  ls->blen = mark - 1;                        /* drop "\u{...": the bytes replace it */
  save_utf8(ls, x);
}

static void read_decimal_escape(LexState *ls) {
  int r = 0, i;
  for (i = 0; i < 3 && isdigit(ls->current); i++) {
    r = 10 * r + ls->current - '0';
    save_advance(ls);
  }
  if (r > 255) escape_error(ls, "decimal escape too large");
  ls->blen -= (size_t)i + 1;
  save(ls, r);
}

/* An escape after '\\' (already saved); the buffer keeps the escape text until it is
 * replaced by its value, so error messages show it. */
static void read_escape(LexState *ls) {
  int c;
  switch (ls->current) {
    case 'a': c = '\a'; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'v': c = '\v'; break;
    case '\\': case '"': case '\'': c = ls->current; break;
    case 'x': {
      int h = read_hexdigit(ls);
      h = (h << 4) + read_hexdigit(ls);
      advance(ls);
      ls->blen -= 3;                          /* "\x" and the first digit */
      save(ls, h);
      return;
    }
    case 'u': read_utf8_escape(ls); return;
    case '\n': case '\r':
      newline(ls);
      ls->blen--;
      save(ls, '\n');
      return;
    case 'z':
      ls->blen--;
      advance(ls);
      while (isspace(ls->current)) {
        if (isnewline(ls->current)) newline(ls);
        else advance(ls);
      }
      return;
    case EOZ: return;                         /* the string loop reports it */
    default:
      if (!isdigit(ls->current)) escape_error(ls, "invalid escape sequence");
      read_decimal_escape(ls);
      return;
  }
  advance(ls);
  ls->blen--;
  save(ls, c);
}

static void read_string(LexState *ls, Token *tk) {
  int delim = ls->current;
  save_advance(ls);
  while (ls->current != delim) {
    switch (ls->current) {
      case EOZ: lex_error(ls, "unfinished string", TK_EOS);
      case '\n': case '\r': lex_error(ls, "unfinished string", TK_STRING);
      case '\\':
        save_advance(ls);
        read_escape(ls);
        break;
      default: save_advance(ls);
    }
  }
  save_advance(ls);
  tk->sem.s = lex_newstring(ls, ls->buf + 1, ls->blen - 2);
}

/* -- Numerals --------------------------------------------------------------------------- */

static int read_number(LexState *ls, Token *tk) {
  const char *expo = "Ee";
  int first = ls->current;
  save_advance(ls);
  if (first == '0' && accept2(ls, "xX")) expo = "Pp";
  for (;;) {
    if (accept2(ls, expo)) accept2(ls, "-+");
    else if (isxdigit(ls->current) || ls->current == '.') save_advance(ls);
    else break;
  }
  if (isalpha(ls->current) || ls->current == '_') save_advance(ls);   /* "3x" is malformed */
  TValue v;
  if (obj_str2num(ls->buf, ls->blen, &v) != ls->blen + 1)
    lex_error(ls, "malformed number", TK_FLT);
  if (ttisint(&v)) {
    tk->sem.i = ivalue(&v);
    return TK_INT;
  }
  tk->sem.n = fltvalue(&v);
  return TK_FLT;
}

/* -- Tokens ----------------------------------------------------------------------------- */

static int isnamestart(int c) { return isalpha(c) || c == '_'; }
static int isnamechar(int c) { return isalnum(c) || c == '_'; }

static int scan(LexState *ls, Token *tk) {
  ls->blen = 0;
  for (;;) {
    switch (ls->current) {
      case '\n': case '\r': newline(ls); break;
      case ' ': case '\f': case '\t': case '\v': advance(ls); break;
      case '-':
        advance(ls);
        if (ls->current != '-') return '-';
        advance(ls);
        if (ls->current == '[') {
          size_t level = bracket_level(ls);
          ls->blen = 0;
          if (level >= 2) {
            read_long(ls, NULL, level);
            ls->blen = 0;
            break;
          }
        }
        while (!isnewline(ls->current) && ls->current != EOZ) advance(ls);
        ls->blen = 0;
        break;
      case '[': {
        size_t level = bracket_level(ls);
        if (level >= 2) {
          read_long(ls, tk, level);
          return TK_STRING;
        }
        if (level == 0) lex_error(ls, "invalid long string delimiter", TK_STRING);
        return '[';
      }
      case '=': advance(ls); return ls->current == '=' ? (advance(ls), TK_EQ) : '=';
      case '<':
        advance(ls);
        if (ls->current == '=') { advance(ls); return TK_LE; }
        if (ls->current == '<') { advance(ls); return TK_SHL; }
        return '<';
      case '>':
        advance(ls);
        if (ls->current == '=') { advance(ls); return TK_GE; }
        if (ls->current == '>') { advance(ls); return TK_SHR; }
        return '>';
      case '/': advance(ls); return ls->current == '/' ? (advance(ls), TK_IDIV) : '/';
      case '~': advance(ls); return ls->current == '=' ? (advance(ls), TK_NE) : '~';
      case ':': advance(ls); return ls->current == ':' ? (advance(ls), TK_DBCOLON) : ':';
      case '"': case '\'': read_string(ls, tk); return TK_STRING;
      case '.':
        save_advance(ls);
        if (accept(ls, '.')) return accept(ls, '.') ? TK_DOTS : TK_CONCAT;
        if (!isdigit(ls->current)) return '.';
        return read_number(ls, tk);           /* ".5": the '.' is already in the buffer */
      case EOZ: return TK_EOS;
      default:
        if (isdigit(ls->current)) return read_number(ls, tk);
        if (isnamestart(ls->current)) {
          do save_advance(ls); while (isnamechar(ls->current));
          Str *s = lex_newstring(ls, ls->buf, ls->blen);
          if (s->reserved) return TK_AND + s->reserved - 1;
          tk->sem.s = s;
          return TK_NAME;
        }
        {
          int c = ls->current;
          advance(ls);
          return c;
        }
    }
  }
}

void lex_next(LexState *ls) {
  ls->lastline = ls->line;
  if (ls->hasahead) {
    ls->t = ls->ahead;
    ls->hasahead = 0;
    return;
  }
  ls->t.tok = scan(ls, &ls->t);
}

int lex_lookahead(LexState *ls) {
  ls->ahead.tok = scan(ls, &ls->ahead);
  ls->hasahead = 1;
  return ls->ahead.tok;
}
