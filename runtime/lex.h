/* lex.h: the lexer: Lua 5.4 source text to tokens, one token of lookahead.
 *
 * Invariants:
 * - Every string the lexer creates (names, string literals) is anchored in a table on the Lua
 *   stack for the whole compilation, so the GC never frees a string the parser still holds.
 * - Reserved words are interned once, fixed for the GC, and carry Str.reserved = index + 1,
 *   so telling a name from a reserved word is one byte test.
 * - Errors are raised as "<chunkid>:<line>: <msg> near <token>" with ST_ERRSYNTAX.
 */
#ifndef JOLT_LEX_H
#define JOLT_LEX_H

#include <stddef.h>
#include "state.h"

/* Single-character tokens are their own character code; the rest start above 256.
 * The reserved words come first, in the order of lex.c's name table. */
enum {
  TK_AND = 257, TK_BREAK, TK_DO, TK_ELSE, TK_ELSEIF, TK_END, TK_FALSE, TK_FOR, TK_FUNCTION,
  TK_GOTO, TK_IF, TK_IN, TK_LOCAL, TK_NIL, TK_NOT, TK_OR, TK_REPEAT, TK_RETURN, TK_THEN,
  TK_TRUE, TK_UNTIL, TK_WHILE,
  TK_IDIV, TK_CONCAT, TK_DOTS, TK_EQ, TK_GE, TK_LE, TK_NE, TK_SHL, TK_SHR, TK_DBCOLON,
  TK_EOS, TK_FLT, TK_INT, TK_NAME, TK_STRING
};
#define LEX_NRESERVED (TK_WHILE - TK_AND + 1)

typedef struct Token {
  int tok;
  union { double n; int64_t i; Str *s; } sem;
} Token;

struct FuncState;
struct Dyndata;

typedef struct LexState {
  State *L;
  const char *p, *end;        /* unread input */
  int current;                /* current character, or -1 at the end */
  int line;                   /* line of `current` */
  int lastline;               /* line of the last token consumed */
  Token t;                    /* current token */
  Token ahead;                /* lookahead token, valid when hasahead */
  int hasahead;
  int nest;                   /* syntactic nesting depth (parse.c limits it) */
  struct FuncState *fs;       /* function being compiled (parse.c) */
  struct Dyndata *dyd;        /* active locals, gotos, labels (parse.c) */
  Str *source;                /* chunk name */
  Str *envname;               /* "_ENV" */
  char *buf;                  /* text of the token being read (malloc'ed) */
  size_t blen, bcap;
  ptrdiff_t anchor;           /* stack offset of the string anchor table */
  char chunkid[OBJ_IDSIZE];
} LexState;

J_HIDDEN void lex_init(State *L);     /* interns and fixes the reserved words (idempotent) */
J_HIDDEN void lex_setinput(LexState *ls, const char *buf, size_t len, Str *source);
J_HIDDEN void lex_next(LexState *ls);
J_HIDDEN int lex_lookahead(LexState *ls);
/* A string anchored for the compilation; equal strings (long ones too) give one object. */
J_HIDDEN Str *lex_newstring(LexState *ls, const char *s, size_t len);
/* Text of a token for messages: "'x'" or "<eof>"; writes at most 64 bytes. */
J_HIDDEN const char *lex_token2str(int tok, char *out);
/* Error at the current token ("... near 'tok'"); msg is copied. */
_Noreturn J_HIDDEN void lex_syntaxerror(LexState *ls, const char *msg);
/* Error without the "near" part (semantic errors: labels, const assignment). */
_Noreturn J_HIDDEN void lex_semerror(LexState *ls, const char *msg);
/* Error with token tok's text after "near" (no "near" part when tok is 0). */
_Noreturn J_HIDDEN void lex_error(LexState *ls, const char *msg, int tok);

#endif
