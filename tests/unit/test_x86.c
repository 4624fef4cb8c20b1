/* test_x86.c: the x86-64 encoder (runtime/jit_x86.c) checked against objdump's disassembly.
 *
 * Each case emits one instruction and names the Intel-syntax text objdump must print for it;
 * the whole buffer is disassembled once per test, and every case must be exactly one
 * instruction (objdump's next address is the case's end). Whitespace is collapsed before
 * comparing, and '*' in an expected string matches any run of characters (used for RIP
 * displacements, whose target objdump prints after '#').
 */
/* unit.h's opening comment contains "tests/unit/" "*.c"; until it is reworded, keep that one
 * -Wcomment note from making this build noisy. */
#pragma GCC diagnostic ignored "-Wcomment"
#include "unit.h"
#include "jit_x86.h"

#include <stdarg.h>
#include <stdint.h>

static const char *r64[] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                             "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
static const char *r32[] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                             "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d" };
static const char *r8n[] = { "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
                             "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b" };
static const char *cc[] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
                            "s", "ns", "p", "np", "l", "ge", "le", "g" };

/* The harness runs each test in a child that leaves by _exit, so flush what it printed. */
#define DONE() do { fflush(stdout); UNIT_DONE(); } while (0)

/* -- The disassembly harness -------------------------------------------------------------- */

#define MAXCASE 400
typedef struct { size_t at, end; int line; char want[160]; } Case;
typedef struct { XBuf b; Case c[MAXCASE]; int n; } Dis;

static void dis_begin(Dis *d, int line)
{
  if (d->n < MAXCASE) { d->c[d->n].at = d->b.n; d->c[d->n].line = line; }
}

static void dis_want(Dis *d, const char *fmt, ...)
{
  if (d->n >= MAXCASE) return;
  Case *c = &d->c[d->n++];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->want, sizeof c->want, fmt, ap);
  va_end(ap);
  c->end = d->b.n;
}

/* I(emitter call, expected text format, args...): one case. The call uses `b`. */
#define I(call, ...) do { dis_begin(&d, __LINE__); call; dis_want(&d, __VA_ARGS__); } while (0)

static void normalize(char *s)
{
  char *o = s;
  int sp = 0;
  for (char *p = s; *p; p++) {
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') { sp = 1; continue; }
    if (sp && o != s) *o++ = ' ';
    sp = 0;
    *o++ = *p;
  }
  *o = 0;
}

static int glob(const char *pat, const char *s)
{
  if (!*pat) return !*s;
  if (*pat == '*') return glob(pat + 1, s) || (*s && glob(pat, s + 1));
  return *pat == *s && glob(pat + 1, s + 1);
}

static int have_objdump(void)
{
  return system("objdump --version >/dev/null 2>&1") == 0;
}

typedef struct { size_t addr; char text[200]; } Line;

/* Disassembles d->b and compares every case; mismatches become "# " lines and a failure. */
static void dis_check(Dis *d)
{
  static Line ln[MAXCASE * 2 + 8];
  int nl = 0;
  if (d->b.oom || d->n >= MAXCASE) { printf("# buffer oom or too many cases\n"); unit_failed_here = 1; return; }
  char path[] = "/tmp/test_x86_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0 || write(fd, d->b.p, d->b.n) != (ssize_t)d->b.n) {
    printf("# cannot write %s\n", path); unit_failed_here = 1; if (fd >= 0) close(fd); return;
  }
  close(fd);
  char cmd[128], buf[512];
  snprintf(cmd, sizeof cmd, "objdump -D -b binary -m i386:x86-64 -M intel %s", path);
  FILE *f = popen(cmd, "r");
  while (f && fgets(buf, sizeof buf, f) && nl < (int)(sizeof ln / sizeof ln[0])) {
    char *t1 = strchr(buf, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL, *end;
    if (!t2) continue;                 /* header, or a continuation line of bytes */
    size_t addr = strtoul(buf, &end, 16);
    if (*end != ':') continue;
    ln[nl].addr = addr;
    snprintf(ln[nl].text, sizeof ln[nl].text, "%s", t2 + 1);
    normalize(ln[nl].text);
    nl++;
  }
  int st = f ? pclose(f) : -1;
  unlink(path);
  if (st != 0) { printf("# objdump failed (status %d)\n", st); unit_failed_here = 1; return; }
  int j = 0, bad = 0;
  for (int i = 0; i < d->n; i++) {
    Case *c = &d->c[i];
    while (j < nl && ln[j].addr < c->at) j++;
    normalize(c->want);
    size_t next = j + 1 < nl ? ln[j + 1].addr : d->b.n;
    if (j >= nl || ln[j].addr != c->at) {
      printf("# line %d: no instruction starts at 0x%zx\n#   expected: %s\n", c->line, c->at, c->want);
      bad++;
    } else if (next != c->end) {
      printf("# line %d: instruction at 0x%zx is %zu bytes, objdump read %zu\n#   expected: %s\n"
             "#   got:      %s\n", c->line, c->at, c->end - c->at, next - c->at, c->want, ln[j].text);
      bad++;
    } else if (!glob(c->want, ln[j].text)) {
      printf("# line %d: at 0x%zx\n#   expected: %s\n#   got:      %s\n", c->line, c->at, c->want,
             ln[j].text);
      bad++;
    }
  }
  if (bad) { printf("# %d of %d cases differ\n", bad, d->n); unit_failed_here = 1; }
  else printf("# %d instructions match\n", d->n);
}

#define DIS_START() \
  if (!have_objdump()) UNIT_SKIP("objdump (binutils) not found"); \
  static Dis d; x_init(&d.b); XBuf *b = &d.b

#define DIS_FINISH() do { dis_check(&d); x_free(&d.b); DONE(); } while (0)

/* -- Moves ------------------------------------------------------------------------------------ */

UNIT_TEST(x86_moves)
{
  DIS_START();
  for (int i = 0; i < 16; i++) I(x_mov_rr(b, i, 15 - i), "mov %s,%s", r64[i], r64[15 - i]);
  I(x_mov_rr(b, X_RSP, X_RBP), "mov rsp,rbp");
  for (int i = 0; i < 16; i += 3) I(x_mov_rr32(b, i, (i + 4) & 15), "mov %s,%s", r32[i], r32[(i + 4) & 15]);
  I(x_mov_rr32(b, X_RAX, X_R9), "mov eax,r9d");
  I(x_mov_rr32(b, X_R10, X_RSP), "mov r10d,esp");
  I(x_mov_rr32(b, X_R13, X_R12), "mov r13d,r12d");
  I(x_mov_ri(b, X_RAX, 0), "mov eax,0x0");
  I(x_mov_ri(b, X_RCX, 1), "mov ecx,0x1");
  I(x_mov_ri(b, X_RSP, 0x7fffffff), "mov esp,0x7fffffff");
  I(x_mov_ri(b, X_RBP, 0x80000000), "mov ebp,0x80000000");
  I(x_mov_ri(b, X_R8, 0xffffffff), "mov r8d,0xffffffff");
  I(x_mov_ri(b, X_R15, 0x12345678), "mov r15d,0x12345678");
  I(x_mov_ri(b, X_RAX, -1), "mov rax,0xffffffffffffffff");
  I(x_mov_ri(b, X_R12, -2), "mov r12,0xfffffffffffffffe");
  I(x_mov_ri(b, X_RCX, INT32_MIN), "mov rcx,0xffffffff80000000");
  I(x_mov_ri(b, X_RDX, 0x100000000LL), "movabs rdx,0x100000000");
  I(x_mov_ri(b, X_R15, INT64_MIN), "movabs r15,0x8000000000000000");
  I(x_mov_ri(b, X_R13, INT64_MAX), "movabs r13,0x7fffffffffffffff");
  I(x_mov_ri(b, X_RSI, -0x80000001LL), "movabs rsi,0xffffffff7fffffff");
  I(x_mov_ri(b, X_R9, 0x1122334455667788LL), "movabs r9,0x1122334455667788");

  /* addressing forms, through the plain 64-bit load */
  I(x_load(b, X_RAX, x_mem(X_RAX, 0)), "mov rax,QWORD PTR [rax]");
  I(x_load(b, X_RCX, x_mem(X_RSP, 0)), "mov rcx,QWORD PTR [rsp]");
  I(x_load(b, X_RDX, x_mem(X_RBP, 0)), "mov rdx,QWORD PTR [rbp+0x0]");
  I(x_load(b, X_RBX, x_mem(X_R12, 0)), "mov rbx,QWORD PTR [r12]");
  I(x_load(b, X_RSP, x_mem(X_R13, 0)), "mov rsp,QWORD PTR [r13+0x0]");
  I(x_load(b, X_RBP, x_mem(X_RBX, 8)), "mov rbp,QWORD PTR [rbx+0x8]");
  I(x_load(b, X_RSI, x_mem(X_RSI, -8)), "mov rsi,QWORD PTR [rsi-0x8]");
  I(x_load(b, X_RDI, x_mem(X_RDI, 127)), "mov rdi,QWORD PTR [rdi+0x7f]");
  I(x_load(b, X_R8, x_mem(X_RDI, 128)), "mov r8,QWORD PTR [rdi+0x80]");
  I(x_load(b, X_R9, x_mem(X_RDI, -128)), "mov r9,QWORD PTR [rdi-0x80]");
  I(x_load(b, X_R10, x_mem(X_RDI, -129)), "mov r10,QWORD PTR [rdi-0x81]");
  I(x_load(b, X_R11, x_mem(X_R8, 0x12345678)), "mov r11,QWORD PTR [r8+0x12345678]");
  I(x_load(b, X_R12, x_mem(X_R9, -0x12345678)), "mov r12,QWORD PTR [r9-0x12345678]");
  I(x_load(b, X_R13, x_mem(X_RSP, 0x10)), "mov r13,QWORD PTR [rsp+0x10]");
  I(x_load(b, X_R14, x_mem(X_R12, -4)), "mov r14,QWORD PTR [r12-0x4]");
  I(x_load(b, X_R15, x_mem(X_RSP, 0x1000)), "mov r15,QWORD PTR [rsp+0x1000]");
  I(x_load(b, X_RAX, x_mem(X_RBP, -0x100)), "mov rax,QWORD PTR [rbp-0x100]");
  I(x_load(b, X_RAX, x_mem(X_R13, 0x7fffffff)), "mov rax,QWORD PTR [r13+0x7fffffff]");
  I(x_load(b, X_RAX, x_memi(X_RAX, X_RCX, 1, 0)), "mov rax,QWORD PTR [rax+rcx*1]");
  I(x_load(b, X_RAX, x_memi(X_RAX, X_RCX, 8, 0x10)), "mov rax,QWORD PTR [rax+rcx*8+0x10]");
  I(x_load(b, X_RDX, x_memi(X_RSP, X_RBP, 2, 0)), "mov rdx,QWORD PTR [rsp+rbp*2]");
  I(x_load(b, X_RDX, x_memi(X_RBP, X_RAX, 4, 0)), "mov rdx,QWORD PTR [rbp+rax*4+0x0]");
  I(x_load(b, X_R8, x_memi(X_R13, X_R12, 4, 0)), "mov r8,QWORD PTR [r13+r12*4+0x0]");
  I(x_load(b, X_R9, x_memi(X_R12, X_R13, 8, -8)), "mov r9,QWORD PTR [r12+r13*8-0x8]");
  I(x_load(b, X_RBX, x_memi(X_RBP, X_R15, 8, -0x100)), "mov rbx,QWORD PTR [rbp+r15*8-0x100]");
  I(x_load(b, X_R15, x_memi(X_R15, X_R15, 2, 0x40000)), "mov r15,QWORD PTR [r15+r15*2+0x40000]");
  I(x_load(b, X_RCX, x_memi(X_NOREG, X_RCX, 8, 0x10)), "mov rcx,QWORD PTR [rcx*8+0x10]");

  I(x_load32(b, X_RAX, x_mem(X_RBX, 4)), "mov eax,DWORD PTR [rbx+0x4]");
  I(x_load32(b, X_R11, x_memi(X_RSP, X_R8, 4, -0x20)), "mov r11d,DWORD PTR [rsp+r8*4-0x20]");
  I(x_load8zx(b, X_RAX, x_mem(X_RCX, 0)), "movzx eax,BYTE PTR [rcx]");
  I(x_load8zx(b, X_R14, x_mem(X_R13, 0)), "movzx r14d,BYTE PTR [r13+0x0]");
  I(x_load8zx(b, X_RSI, x_mem(X_R12, 1000)), "movzx esi,BYTE PTR [r12+0x3e8]");
  I(x_store(b, x_mem(X_RSP, 8), X_RAX), "mov QWORD PTR [rsp+0x8],rax");
  I(x_store(b, x_memi(X_R12, X_R13, 8, 0), X_R15), "mov QWORD PTR [r12+r13*8],r15");
  I(x_store(b, x_mem(X_RBP, -8), X_RSP), "mov QWORD PTR [rbp-0x8],rsp");
  I(x_store32(b, x_mem(X_RAX, 0), X_R8), "mov DWORD PTR [rax],r8d");
  I(x_store32(b, x_mem(X_R13, 0x200), X_RDI), "mov DWORD PTR [r13+0x200],edi");
  I(x_store8(b, x_mem(X_RBX, 0), X_RAX), "mov BYTE PTR [rbx],al");
  for (int i = 1; i < 16; i++) I(x_store8(b, x_mem(X_RAX, i), i), "mov BYTE PTR [rax+0x%x],%s", i, r8n[i]);
  I(x_store8(b, x_mem(X_R12, 0), X_RBX), "mov BYTE PTR [r12],bl");
  I(x_store_i8(b, x_mem(X_RDI, 1), 0xff), "mov BYTE PTR [rdi+0x1],0xff");
  I(x_store_i8(b, x_mem(X_R12, 0), 0), "mov BYTE PTR [r12],0x0");
  I(x_store_i32(b, x_mem(X_RBP, -16), 0x12345678), "mov DWORD PTR [rbp-0x10],0x12345678");
  I(x_store_i32(b, x_mem(X_RAX, 0), -1), "mov DWORD PTR [rax],0xffffffff");
  I(x_store_i32(b, x_memi(X_R13, X_RSI, 2, 0), 7), "mov DWORD PTR [r13+rsi*2+0x0],0x7");
  I(x_store_i64(b, x_mem(X_R12, 8), -1), "mov QWORD PTR [r12+0x8],0xffffffffffffffff");
  I(x_store_i64(b, x_mem(X_RSP, 0), 0x7fffffff), "mov QWORD PTR [rsp],0x7fffffff");
  I(x_store_i64(b, x_mem(X_R9, 0x1000), INT32_MIN), "mov QWORD PTR [r9+0x1000],0xffffffff80000000");
  I(x_lea(b, X_RAX, x_memi(X_RBX, X_RCX, 2, 3)), "lea rax,[rbx+rcx*2+0x3]");
  I(x_lea(b, X_R13, x_mem(X_R13, 0)), "lea r13,[r13+0x0]");
  I(x_lea(b, X_RSP, x_mem(X_RSP, -0x28)), "lea rsp,[rsp-0x28]");
  I(x_lea(b, X_R10, x_memi(X_R11, X_R12, 1, -0x80000000)), "lea r10,[r11+r12*1-0x80000000]");
  for (int c = 0; c < 16; c++)
    I(x_cmov(b, (XCond)c, c, (c + 9) & 15), "cmov%s %s,%s", cc[c], r64[c], r64[(c + 9) & 15]);
  DIS_FINISH();
}

/* -- Integer arithmetic ----------------------------------------------------------------------- */

UNIT_TEST(x86_alu)
{
  DIS_START();
  static const XAlu ops[] = { XA_ADD, XA_OR, XA_AND, XA_SUB, XA_XOR, XA_CMP };
  static const char *on[] = { "add", "or", "and", "sub", "xor", "cmp" };
  for (int i = 0; i < 6; i++) {
    int a = (i * 3 + 1) & 15, c = (i * 7 + 4) & 15;
    I(x_alu_rr(b, ops[i], a, c), "%s %s,%s", on[i], r64[a], r64[c]);
    I(x_alu_rr(b, ops[i], 15 - i, i + 8), "%s %s,%s", on[i], r64[15 - i], r64[i + 8]);
    I(x_alu_ri(b, ops[i], i * 2 + 3, 0x7f), "%s %s,0x7f", on[i], r64[i * 2 + 3]);
    I(x_alu_rm(b, ops[i], i + 10, x_mem(X_RSP, i * 8)), i ? "%s %s,QWORD PTR [rsp+0x%x]"
      : "%s %s,QWORD PTR [rsp]", on[i], r64[i + 10], i * 8);
    int ix = i == X_RSP ? X_R12 : i;   /* rsp cannot be an index */
    I(x_alu_mr(b, ops[i], x_memi(X_R13, ix, 8, -8), i + 2), "%s QWORD PTR [r13+%s*8-0x8],%s",
      on[i], r64[ix], r64[i + 2]);
  }
  I(x_alu_ri(b, XA_ADD, X_RAX, 0x80), "add rax,0x80");
  I(x_alu_ri(b, XA_SUB, X_RCX, -0x80), "sub rcx,0xffffffffffffff80");
  I(x_alu_ri(b, XA_CMP, X_RDX, -0x81), "cmp rdx,0xffffffffffffff7f");
  I(x_alu_ri(b, XA_AND, X_R8, INT32_MAX), "and r8,0x7fffffff");
  I(x_alu_ri(b, XA_XOR, X_R15, INT32_MIN), "xor r15,0xffffffff80000000");
  I(x_alu_ri(b, XA_OR, X_RSP, -1), "or rsp,0xffffffffffffffff");
  I(x_alu_ri(b, XA_SUB, X_RSP, 0x1000), "sub rsp,0x1000");
  I(x_alu_ri(b, XA_CMP, X_R12, 0), "cmp r12,0x0");
  I(x_alu_rm(b, XA_ADD, X_RAX, x_mem(X_RBP, 0)), "add rax,QWORD PTR [rbp+0x0]");
  I(x_alu_mr(b, XA_SUB, x_mem(X_R12, 0x100), X_RCX), "sub QWORD PTR [r12+0x100],rcx");
  I(x_alu_mi(b, XA_CMP, x_mem(X_RAX, 8), 5, 1), "cmp BYTE PTR [rax+0x8],0x5");
  I(x_alu_mi(b, XA_AND, x_mem(X_R12, 0), 0xff, 1), "and BYTE PTR [r12],0xff");
  I(x_alu_mi(b, XA_OR, x_mem(X_R13, 0), 0x80, 1), "or BYTE PTR [r13+0x0],0x80");
  I(x_alu_mi(b, XA_ADD, x_mem(X_RBX, 0), 1, 4), "add DWORD PTR [rbx],0x1");
  I(x_alu_mi(b, XA_CMP, x_mem(X_RCX, 0x10), 0x1000, 4), "cmp DWORD PTR [rcx+0x10],0x1000");
  I(x_alu_mi(b, XA_SUB, x_mem(X_RAX, 0), -1, 4), "sub DWORD PTR [rax],0xffffffff");
  I(x_alu_mi(b, XA_XOR, x_memi(X_RSP, X_R9, 4, -0x200), INT32_MIN, 4),
    "xor DWORD PTR [rsp+r9*4-0x200],0x80000000");
  I(x_alu_mi(b, XA_CMP, x_mem(X_RDI, 0), 0x7f, 8), "cmp QWORD PTR [rdi],0x7f");
  I(x_alu_mi(b, XA_ADD, x_mem(X_R8, -8), 0x80, 8), "add QWORD PTR [r8-0x8],0x80");
  I(x_alu_mi(b, XA_CMP, x_mem(X_RAX, 0), -1, 8), "cmp QWORD PTR [rax],0xffffffffffffffff");
  I(x_alu_mi(b, XA_AND, x_mem(X_RBP, 0x12345), -0x100, 8),
    "and QWORD PTR [rbp+0x12345],0xffffffffffffff00");
  I(x_test_rr(b, X_RAX, X_RCX), "test rax,rcx");
  I(x_test_rr(b, X_R12, X_RSP), "test r12,rsp");
  I(x_test_rr(b, X_R15, X_R15), "test r15,r15");
  I(x_test_ri(b, X_RAX, 1), "test rax,0x1");
  I(x_test_ri(b, X_R9, -0x100), "test r9,0xffffffffffffff00");
  I(x_test_ri(b, X_RSP, 0x7fffffff), "test rsp,0x7fffffff");
  I(x_imul_rr(b, X_RAX, X_RCX), "imul rax,rcx");
  I(x_imul_rr(b, X_R12, X_R13), "imul r12,r13");
  I(x_imul_rr(b, X_RSP, X_R8), "imul rsp,r8");
  I(x_imul_rri(b, X_RAX, X_RCX, 0x7f), "imul rax,rcx,0x7f");
  I(x_imul_rri(b, X_R8, X_R9, 0x80), "imul r8,r9,0x80");
  I(x_imul_rri(b, X_RDX, X_RDX, -2), "imul rdx,rdx,0xfffffffffffffffe");
  I(x_imul_rri(b, X_RBP, X_R13, -0x12345678), "imul rbp,r13,0xffffffffedcba988");
  I(x_neg(b, X_RAX), "neg rax");
  I(x_neg(b, X_R13), "neg r13");
  I(x_not(b, X_R11), "not r11");
  I(x_not(b, X_RSP), "not rsp");
  I(x_shift_ri(b, XS_SHL, X_RAX, 1), "shl rax,1");
  I(x_shift_ri(b, XS_SHR, X_RCX, 63), "shr rcx,0x3f");
  I(x_shift_ri(b, XS_SAR, X_R15, 4), "sar r15,0x4");
  I(x_shift_ri(b, XS_SHL, X_RSP, 2), "shl rsp,0x2");
  I(x_shift_ri(b, XS_SAR, X_R8, 1), "sar r8,1");
  I(x_shift_rcl(b, XS_SHL, X_RAX), "shl rax,cl");
  I(x_shift_rcl(b, XS_SHR, X_RDI), "shr rdi,cl");
  I(x_shift_rcl(b, XS_SAR, X_R10), "sar r10,cl");
  I(x_cqo(b), "cqo");
  I(x_idiv(b, X_RCX), "idiv rcx");
  I(x_idiv(b, X_R14), "idiv r14");
  for (int c = 0; c < 16; c++) I(x_setcc(b, (XCond)c, c), "set%s %s", cc[c], r8n[c]);
  I(x_setcc(b, XC_E, X_RBX), "sete bl");
  I(x_movzx8(b, X_RAX, X_RAX), "movzx eax,al");
  I(x_movzx8(b, X_RAX, X_RSI), "movzx eax,sil");
  I(x_movzx8(b, X_RDI, X_RSP), "movzx edi,spl");
  I(x_movzx8(b, X_R8, X_R15), "movzx r8d,r15b");
  I(x_movzx8(b, X_R12, X_RBX), "movzx r12d,bl");
  DIS_FINISH();
}

/* -- Stack, calls and branches ------------------------------------------------------------------ */

UNIT_TEST(x86_stack)
{
  DIS_START();
  for (int i = 0; i < 16; i++) I(x_push(b, i), "push %s", r64[i]);
  for (int i = 15; i >= 0; i--) I(x_pop(b, i), "pop %s", r64[i]);
  I(x_ret(b), "ret");
  I(x_call_r(b, X_RAX), "call rax");
  I(x_call_r(b, X_R11), "call r11");
  I(x_jmp_r(b, X_R12), "jmp r12");
  I(x_jmp_r(b, X_RSP), "jmp rsp");
  I(x_call_m(b, x_mem(X_RAX, 8)), "call QWORD PTR [rax+0x8]");
  I(x_call_m(b, x_mem(X_R12, 0)), "call QWORD PTR [r12]");
  I(x_jmp_m(b, x_mem(X_R13, 0)), "jmp QWORD PTR [r13+0x0]");
  I(x_jmp_m(b, x_memi(X_RBX, X_RCX, 8, 0x100)), "jmp QWORD PTR [rbx+rcx*8+0x100]");
  I(x_byte(b, 0xcc), "int3");
  DIS_FINISH();
}

UNIT_TEST(x86_branches)
{
  DIS_START();
  size_t fwd[16], top = b->n;
  I(x_mov_ri(b, X_RAX, 1), "mov eax,0x1");
  size_t j1 = 0, c1 = 0;
  dis_begin(&d, __LINE__); j1 = x_jmp(b); size_t j1_at = d.c[d.n].at; dis_want(&d, "jmp *");
  for (int c = 0; c < 16; c++) {
    dis_begin(&d, __LINE__); fwd[c] = x_jcc(b, (XCond)c); dis_want(&d, "j%s *", cc[c]);
  }
  dis_begin(&d, __LINE__); c1 = x_call(b); dis_want(&d, "call *");
  I(x_jmp_to(b, top), "jmp 0x%zx", top);
  I(x_jcc_to(b, XC_NE, j1_at), "jne 0x%zx", j1_at);
  I(x_call_to(b, top), "call 0x%zx", top);
  size_t here = b->n;
  I(x_jmp_to(b, here), "jmp 0x%zx", here);                  /* rel32 = -5 */
  size_t target = b->n;
  I(x_ret(b), "ret");
  x_patch(b, j1, target);
  for (int c = 0; c < 16; c++) x_patch(b, fwd[c], target + (size_t)c);
  x_patch(b, c1, 0);
  /* the forward cases were recorded with a wildcard; check their targets now */
  snprintf(d.c[1].want, sizeof d.c[1].want, "jmp 0x%zx", target);
  for (int c = 0; c < 16; c++)
    snprintf(d.c[2 + c].want, sizeof d.c[2 + c].want, "j%s 0x%zx", cc[c], target + (size_t)c);
  snprintf(d.c[18].want, sizeof d.c[18].want, "call 0x0");
  EXPECT_EQ(j1_at + 1, j1);
  EXPECT_EQ(5, d.c[1].end - d.c[1].at);
  EXPECT_EQ(6, d.c[2].end - d.c[2].at);
  DIS_FINISH();
}

/* RIP-relative operands: disp names a buffer offset; objdump prints the resolved target after
 * '#', which must equal it whatever follows the displacement (an immediate moves the end). */
UNIT_TEST(x86_rip)
{
  DIS_START();
  I(x_load(b, X_RAX, x_rip(0x400)), "mov rax,QWORD PTR [rip+*] # 0x400");
  I(x_load(b, X_R15, x_rip(0)), "mov r15,QWORD PTR [rip+*] # 0x0");
  I(x_load32(b, X_R9, x_rip(0x13)), "mov r9d,DWORD PTR [rip+*] # 0x13");
  I(x_load8zx(b, X_RSP, x_rip(0x20)), "movzx esp,BYTE PTR [rip+*] # 0x20");
  I(x_store(b, x_rip(0x408), X_R12), "mov QWORD PTR [rip+*],r12 # 0x408");
  I(x_store8(b, x_rip(0x500), X_RSI), "mov BYTE PTR [rip+*],sil # 0x500");
  I(x_store_i8(b, x_rip(0x501), 0x42), "mov BYTE PTR [rip+*],0x42 # 0x501");
  I(x_store_i32(b, x_rip(0x504), 0x1234), "mov DWORD PTR [rip+*],0x1234 # 0x504");
  I(x_store_i64(b, x_rip(0x508), -3), "mov QWORD PTR [rip+*],0xfffffffffffffffd # 0x508");
  I(x_lea(b, X_RDI, x_rip(0x10)), "lea rdi,[rip+*] # 0x10");
  I(x_alu_rm(b, XA_CMP, X_R8, x_rip(0x400)), "cmp r8,QWORD PTR [rip+*] # 0x400");
  I(x_alu_mr(b, XA_ADD, x_rip(0x408), X_RBX), "add QWORD PTR [rip+*],rbx # 0x408");
  I(x_alu_mi(b, XA_CMP, x_rip(0x600), 7, 1), "cmp BYTE PTR [rip+*],0x7 # 0x600");
  I(x_alu_mi(b, XA_ADD, x_rip(0x604), 1, 4), "add DWORD PTR [rip+*],0x1 # 0x604");
  I(x_alu_mi(b, XA_SUB, x_rip(0x604), 0x10000, 4), "sub DWORD PTR [rip+*],0x10000 # 0x604");
  I(x_alu_mi(b, XA_AND, x_rip(0x608), -2, 8), "and QWORD PTR [rip+*],0xfffffffffffffffe # 0x608");
  I(x_alu_mi(b, XA_OR, x_rip(0x608), 0x100, 8), "or QWORD PTR [rip+*],0x100 # 0x608");
  I(x_call_m(b, x_rip(0x700)), "call QWORD PTR [rip+*] # 0x700");
  I(x_jmp_m(b, x_rip(0x708)), "jmp QWORD PTR [rip+*] # 0x708");
  I(x_movsd_load(b, 9, x_rip(0x800)), "movsd xmm9,QWORD PTR [rip+*] # 0x800");
  I(x_movsd_store(b, x_rip(0x808), 2), "movsd QWORD PTR [rip+*],xmm2 # 0x808");
  I(x_fop_rm(b, XF_MUL, 14, x_rip(0x810)), "mulsd xmm14,QWORD PTR [rip+*] # 0x810");
  size_t at = b->n;   /* a backward target: the instruction's own start */
  I(x_load(b, X_RAX, x_rip((int32_t)at)), "mov rax,QWORD PTR [rip+*] # 0x%zx", at);
  I(x_store_i32(b, x_rip(0), -1), "mov DWORD PTR [rip+*],0xffffffff # 0x0");
  DIS_FINISH();
}

/* A slot table lies before the code, so negative buffer offsets must work too: check the
 * rel32 bytes directly, since objdump's wraparound of addresses below 0 is its own business. */
UNIT_TEST(x86_rip_negative)
{
  XBuf b;
  x_init(&b);
  x_load(&b, X_RAX, x_rip(-16));                       /* 48 8b 05 rel32: end = 7 */
  ASSERT_EQ(7, b.n);
  int32_t rel;
  memcpy(&rel, b.p + 3, 4);
  EXPECT_EQ(-16 - 7, rel);
  size_t s = b.n;
  x_store_i32(&b, x_rip(-8), 5);                       /* c7 05 rel32 imm32: end = s + 10 */
  ASSERT_EQ(s + 10, b.n);
  memcpy(&rel, b.p + s + 2, 4);
  EXPECT_EQ(-8 - (int64_t)(s + 10), rel);
  x_free(&b);
  DONE();
}

/* -- Scalar doubles ------------------------------------------------------------------------------ */

UNIT_TEST(x86_sse)
{
  DIS_START();
  static const XFop fo[] = { XF_SQRT, XF_ADD, XF_MUL, XF_SUB, XF_MIN, XF_DIV, XF_MAX };
  static const char *fn[] = { "sqrtsd", "addsd", "mulsd", "subsd", "minsd", "divsd", "maxsd" };
  for (int i = 0; i < 16; i++) {
    I(x_movapd(b, i, 15 - i), "movapd xmm%d,xmm%d", i, 15 - i);
    I(x_movsd_load(b, i, x_mem(i, 8 * i)), i ? "movsd xmm%d,QWORD PTR [%s+0x%x]"
      : "movsd xmm%d,QWORD PTR [%s]", i, r64[i], 8 * i);
    I(x_movsd_store(b, x_memi(X_RSP, i == 4 ? 0 : i, 8, -8 * i), (i + 3) & 15),
      i ? "movsd QWORD PTR [rsp+%s*8-0x%x],xmm%d" : "movsd QWORD PTR [rsp+%s*8],xmm%d",
      i == 4 ? "rax" : r64[i], i ? 8 * i : (i + 3) & 15, (i + 3) & 15);
  }
  for (int i = 0; i < 7; i++) {
    I(x_fop_rr(b, fo[i], i, i + 8), "%s xmm%d,xmm%d", fn[i], i, i + 8);
    I(x_fop_rr(b, fo[i], 15 - i, i), "%s xmm%d,xmm%d", fn[i], 15 - i, i);
    I(x_fop_rm(b, fo[i], i * 2, x_mem(X_R13, 0)), "%s xmm%d,QWORD PTR [r13+0x0]", fn[i], i * 2);
    I(x_fop_rm(b, fo[i], i * 2 + 1, x_memi(X_R12, X_RBP, 4, 0x100)),
      "%s xmm%d,QWORD PTR [r12+rbp*4+0x100]", fn[i], i * 2 + 1);
  }
  I(x_ucomisd(b, 0, 1), "ucomisd xmm0,xmm1");
  I(x_ucomisd(b, 12, 3), "ucomisd xmm12,xmm3");
  I(x_ucomisd(b, 7, 15), "ucomisd xmm7,xmm15");
  I(x_xorpd(b, 0, 0), "xorpd xmm0,xmm0");
  I(x_xorpd(b, 8, 9), "xorpd xmm8,xmm9");
  I(x_cvtsi2sd(b, 0, X_RAX), "cvtsi2sd xmm0,rax");
  I(x_cvtsi2sd(b, 11, X_R12), "cvtsi2sd xmm11,r12");
  I(x_cvtsi2sd(b, 5, X_RSP), "cvtsi2sd xmm5,rsp");
  I(x_cvttsd2si(b, X_RAX, 1), "cvttsd2si rax,xmm1");
  I(x_cvttsd2si(b, X_R15, 13), "cvttsd2si r15,xmm13");
  I(x_movq_xr(b, 0, X_RAX), "movq xmm0,rax");
  I(x_movq_xr(b, 10, X_R13), "movq xmm10,r13");
  I(x_movq_rx(b, X_RCX, 2), "movq rcx,xmm2");
  I(x_movq_rx(b, X_R14, 15), "movq r14,xmm15");
  DIS_FINISH();
}

/* -- Buffer behaviour: lengths, growth, alignment, out of memory ----------------------------- */

UNIT_TEST(x86_lengths)
{
  XBuf b;
  x_init(&b);
  static const struct { int r; int64_t imm; size_t len; } mv[] = {
    { X_RAX, 0, 5 }, { X_R8, 0, 6 }, { X_RCX, 0xffffffff, 5 }, { X_RAX, -1, 7 },
    { X_R9, INT32_MIN, 7 }, { X_RAX, 0x100000000LL, 10 }, { X_R15, INT64_MIN, 10 },
  };
  for (size_t i = 0; i < sizeof mv / sizeof mv[0]; i++) {
    size_t s = b.n;
    x_mov_ri(&b, mv[i].r, mv[i].imm);
    EXPECT_EQ(mv[i].len, b.n - s);
    EXPECT_TRUE(b.p[s] != 0x31 && b.p[s + (b.p[s] >= 0x40 && b.p[s] <= 0x4f)] != 0x31);  /* no xor */
  }
  size_t s = b.n;
  x_alu_ri(&b, XA_ADD, X_RAX, 127);   EXPECT_EQ(4, b.n - s); s = b.n;
  x_alu_ri(&b, XA_ADD, X_RAX, 128);   EXPECT_EQ(7, b.n - s); s = b.n;
  x_alu_ri(&b, XA_ADD, X_RAX, -128);  EXPECT_EQ(4, b.n - s); s = b.n;
  x_alu_mi(&b, XA_CMP, x_mem(X_RAX, 0), 1, 4);  EXPECT_EQ(3, b.n - s); EXPECT_EQ(0x83, b.p[s]); s = b.n;
  x_alu_mi(&b, XA_CMP, x_mem(X_RAX, 0), 1, 8);  EXPECT_EQ(4, b.n - s); EXPECT_EQ(0x48, b.p[s]); s = b.n;
  x_alu_mi(&b, XA_CMP, x_mem(X_RAX, 0), 1, 1);  EXPECT_EQ(3, b.n - s); EXPECT_EQ(0x80, b.p[s]); s = b.n;
  x_store8(&b, x_mem(X_RAX, 0), X_RBX);          EXPECT_EQ(2, b.n - s); s = b.n;
  x_store8(&b, x_mem(X_RAX, 0), X_RDI);          EXPECT_EQ(3, b.n - s); EXPECT_EQ(0x40, b.p[s]); s = b.n;
  x_setcc(&b, XC_E, X_RSP);                      EXPECT_EQ(4, b.n - s); EXPECT_EQ(0x40, b.p[s]); s = b.n;
  x_load(&b, X_RAX, x_mem(X_RBP, 0));            EXPECT_EQ(4, b.n - s); s = b.n;
  x_load(&b, X_RAX, x_mem(X_RAX, 0));            EXPECT_EQ(3, b.n - s); s = b.n;
  x_load(&b, X_RAX, x_mem(X_RSP, 0));            EXPECT_EQ(4, b.n - s); s = b.n;
  x_align(&b, 16, 0x90);
  EXPECT_EQ(0, b.n % 16);
  EXPECT_TRUE(b.n > s || s % 16 == 0);
  for (size_t i = s; i < b.n; i++) EXPECT_EQ(0x90, b.p[i]);
  x_align(&b, 16, 0xcc);                          /* already aligned: no bytes */
  EXPECT_EQ(0, b.n % 16);
  x_free(&b);
  DONE();
}

UNIT_TEST(x86_growth_and_oom)
{
  XBuf b;
  x_init(&b);
  for (int i = 0; i < 20000; i++) x_mov_ri(&b, X_R9, 0x1122334455667788LL + i);
  ASSERT_EQ(0, b.oom);
  ASSERT_EQ(200000, b.n);
  EXPECT_TRUE(b.cap >= b.n);
  for (int i = 0; i < 20000; i += 997) {
    int64_t v;
    EXPECT_EQ(0x49, b.p[i * 10]);
    EXPECT_EQ(0xb9, b.p[i * 10 + 1]);
    memcpy(&v, b.p + i * 10 + 2, 8);
    EXPECT_EQ(0x1122334455667788LL + i, v);
  }
  x_free(&b);
  EXPECT_TRUE(b.p == NULL && b.n == 0);

  /* once oom is set every emitter does nothing, and patching stays in bounds */
  x_init(&b);
  x_ret(&b);
  size_t at = x_jmp(&b);
  b.oom = 1;
  size_t n = b.n;
  x_mov_ri(&b, X_RAX, 1); x_load(&b, X_RAX, x_mem(X_RSP, 8)); x_alu_mi(&b, XA_ADD, x_rip(0), 1, 8);
  x_push(&b, X_R12); x_cqo(&b); x_byte(&b, 0xcc); x_align(&b, 64, 0x90); x_jcc(&b, XC_E);
  x_movq_xr(&b, 1, X_RAX); x_jmp_to(&b, 0); x_patch(&b, at, 0);
  EXPECT_EQ(n, b.n);
  b.oom = 0;
  x_patch(&b, b.n, 0);                                  /* past the end: ignored */
  x_patch(&b, at, 0);
  int32_t rel;
  memcpy(&rel, b.p + at, 4);
  EXPECT_EQ(-6, rel);
  x_free(&b);
  DONE();
}

int main(void) { return unit_main(30); }
