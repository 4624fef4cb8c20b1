/* bc.c: opcode names and the bytecode listing (`jolt --dump-bytecode`). */
#include <stdio.h>
#include <inttypes.h>
#include "bc.h"
#include "obj.h"

const char *const bc_opnames[OP__N] = {
#define X(name, fmt, doc) #name,
  BC_LIST(X)
#undef X
};

static void print_string(FILE *out, const Str *s) {
  fputc('"', out);
  for (size_t i = 0; i < s->len; i++) {
    unsigned char c = (unsigned char)s->data[i];
    switch (c) {
      case '"': fputs("\\\"", out); break;
      case '\\': fputs("\\\\", out); break;
      case '\n': fputs("\\n", out); break;
      case '\r': fputs("\\r", out); break;
      case '\t': fputs("\\t", out); break;
      default:
        if (c < 32 || c == 127) fprintf(out, "\\%d", c);
        else fputc(c, out);
    }
  }
  fputc('"', out);
}

static void print_value(FILE *out, const TValue *v) {
  char buf[OBJ_NUMBUF];
  switch (tt(v)) {
    case TAG_NIL: fputs("nil", out); break;
    case TAG_FALSE: fputs("false", out); break;
    case TAG_TRUE: fputs("true", out); break;
    case TAG_INT: case TAG_FLT:
      obj_num2str(v, buf);
      fputs(buf, out);
      break;
    case TAG_STR: print_string(out, strvalue(v)); break;
    default: fprintf(out, "<tag %d>", tt(v)); break;
  }
}

static void print_k(FILE *out, const Proto *p, int idx) {
  if (idx >= 0 && idx < p->nk) print_value(out, &p->k[idx]);
  else fprintf(out, "K[%d]?", idx);
}

static void print_upname(FILE *out, const Proto *p, int idx) {
  if (idx < p->nupvals && p->upvals[idx].name != NULL) fputs(strdata(p->upvals[idx].name), out);
  else fprintf(out, "U%d", idx);
}

/* Operands as the instruction format gives them, then a comment with what they mean. */
static void print_instr(FILE *out, const Proto *p, int pc) {
  Instr i = p->code[pc];
  OpCode op = GET_OP(i);
  int a = GET_A(i), b = GET_B(i), c = GET_C(i), bx = GET_Bx(i);
  int line = p->lineinfo ? p->lineinfo[pc] : 0;
  if (op >= OP__N) {
    fprintf(out, "  %4d  [%d]  <bad opcode %d>\n", pc, line, (int)op);
    return;
  }
  fprintf(out, "  %4d  [%d]  %-10s ", pc, line, bc_opnames[op]);
  switch (op) {
    case OP_LOADI: fprintf(out, "%d %d", a, GET_sBx(i)); break;
    case OP_LOADK: fprintf(out, "%d %d\t; ", a, bx); print_k(out, p, bx); break;
    case OP_LOADNIL: fprintf(out, "%d %d\t; %d value(s)", a, b, b + 1); break;
    case OP_GETUPVAL: case OP_SETUPVAL:
      fprintf(out, "%d %d\t; ", a, b);
      print_upname(out, p, b);
      break;
    case OP_GETTABUP:
      fprintf(out, "%d %d %d\t; ", a, b, c);
      print_upname(out, p, b);
      fputc(' ', out);
      print_k(out, p, c);
      break;
    case OP_SETTABUP:
      fprintf(out, "%d %d %d\t; ", a, b, c);
      print_upname(out, p, a);
      fputc(' ', out);
      print_k(out, p, b);
      break;
    case OP_GETFIELD: case OP_SELF:
      fprintf(out, "%d %d %d\t; ", a, b, c);
      print_k(out, p, c);
      break;
    case OP_SETFIELD:
      fprintf(out, "%d %d %d\t; ", a, b, c);
      print_k(out, p, b);
      break;
    case OP_ADDK: case OP_SUBK: case OP_MULK: case OP_MODK: case OP_POWK: case OP_DIVK:
    case OP_IDIVK: case OP_BANDK: case OP_BORK: case OP_BXORK:
      fprintf(out, "%d %d %d\t; ", a, b, c);
      print_k(out, p, c);
      break;
    case OP_ADDI: case OP_SHLI: case OP_SHRI: fprintf(out, "%d %d %d", a, b, GET_sC(i)); break;
    case OP_EQK:
      fprintf(out, "%d %d %d\t; ", a, b, c);
      print_k(out, p, b);
      break;
    case OP_EQI: case OP_LTI: case OP_LEI: case OP_GTI: case OP_GEI:
      fprintf(out, "%d %d %d", a, GET_sB(i), c);
      break;
    case OP_JMP: fprintf(out, "%d\t; to %d", GET_sJ(i), pc + 1 + GET_sJ(i)); break;
    case OP_FORPREP: case OP_TFORPREP:
      fprintf(out, "%d %d\t; to %d", a, bx, pc + 1 + bx);
      break;
    case OP_FORLOOP: case OP_TFORLOOP:
      fprintf(out, "%d %d\t; to %d", a, bx, pc + 1 - bx);
      break;
    case OP_CLOSURE: fprintf(out, "%d %d\t; function #%d", a, bx, bx); break;
    case OP_EXTRAARG: fprintf(out, "%d", GET_Ax(i)); break;
    case OP_VARARGPREP: case OP_CLOSE: case OP_TBC: case OP_RETURN0: case OP_LOADFALSE:
    case OP_LOADTRUE:
      fprintf(out, "%d", a);
      break;
    case OP_MOVE: case OP_UNM: case OP_BNOT: case OP_NOT: case OP_LEN: case OP_RETURN1:
      if (op == OP_RETURN1) fprintf(out, "%d", a);
      else fprintf(out, "%d %d", a, b);
      break;
    case OP_SETLIST:
      fprintf(out, "%d %d %d", a, b, c);
      if (c == MAXARG_C && pc + 1 < p->ncode) fprintf(out, "\t; offset %d", GET_Ax(p->code[pc + 1]));
      break;
    default: fprintf(out, "%d %d %d", a, b, c); break;
  }
  fputc('\n', out);
}

static const char *chunkname(const Proto *p) {
  return p->source ? strdata(p->source) : "?";
}

void bc_dump(FILE *out, const Proto *p, int recursive) {
  fprintf(out, "%s <%s:%d,%d> (%d instructions)\n", p->linedefined == 0 ? "main" : "function",
          chunkname(p), p->linedefined, p->lastlinedefined, p->ncode);
  fprintf(out, "%d%s params, %d slots, %d upvalues, %d locals, %d constants, %d functions\n",
          p->numparams, p->is_vararg ? "+" : "", p->maxstack, p->nupvals, p->nlocvars, p->nk,
          p->np);
  for (int pc = 0; pc < p->ncode; pc++) print_instr(out, p, pc);
  fprintf(out, "constants (%d):\n", p->nk);
  for (int i = 0; i < p->nk; i++) {
    fprintf(out, "  %4d  ", i);
    print_value(out, &p->k[i]);
    fputc('\n', out);
  }
  fprintf(out, "locals (%d):\n", p->nlocvars);
  for (int i = 0; i < p->nlocvars; i++) {
    const LocVar *lv = &p->locvars[i];
    fprintf(out, "  %4d  %s\tR%d\t%d-%d\n", i, lv->name ? strdata(lv->name) : "?", lv->reg,
            lv->startpc, lv->endpc);
  }
  fprintf(out, "upvalues (%d):\n", p->nupvals);
  for (int i = 0; i < p->nupvals; i++) {
    const UpvalDesc *uv = &p->upvals[i];
    fprintf(out, "  %4d  %s\t%s %d\tkind %d\n", i, uv->name ? strdata(uv->name) : "?",
            uv->instack ? "register" : "upvalue", uv->idx, uv->kind);
  }
  if (!recursive) return;
  for (int i = 0; i < p->np; i++) {
    fputc('\n', out);
    bc_dump(out, p->p[i], 1);
  }
}
