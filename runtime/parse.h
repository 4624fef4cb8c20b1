/* parse.h: the compiler: Lua 5.4 source text to a Proto (lex.c tokenizes, parse.c parses and
 * emits bytecode as described in bc.h). */
#ifndef JOLT_PARSE_H
#define JOLT_PARSE_H

#include "obj.h"

/* Compile a main chunk. `chunkname` is Lua's source name ("@file.lua", "=stdin", or the text).
 * The main function is vararg and has exactly one upvalue, _ENV (instack=1, idx=0).
 * Syntax errors are raised with call_throw(L, ST_ERRSYNTAX) and the message
 * "<chunkid>:<line>: <msg> near '<token>'" on the stack, as lua5.4 words them. */
J_HIDDEN Proto *parse_chunk(State *L, const char *buf, size_t len, const char *chunkname);

#endif
