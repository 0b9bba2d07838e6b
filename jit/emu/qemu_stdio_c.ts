/**
 * The buffered stdin/stdout C the libc-free qemu-user harnesses share
 * (jit/emu/oracle/qemu.ts, jit/emu/tramp/qemu/source.ts): `rd` reads exactly
 * n bytes from fd 0, `wr` queues bytes for fd 1 and `flush` writes them, each
 * through the harness's own raw-syscall wrapper; each returns 0 on EOF or
 * error. Text, so it is spliced into the harness source.
 *
 * @module
 */

/** A C call of the harness's syscall wrapper: `sys(nr, a, b, c)` as text. */
export type SyscallC = (nr: string, a: string, b: string, c: string) => string;

/** `ibuf` and `rd(void *p, size_t n)`: read exactly n bytes of stdin. */
export function stdinReaderC(sys: SyscallC): string {
  return `static unsigned char ibuf[1 << 16];
static size_t ilen, ipos;
static int rd(void *p, size_t n) {
  unsigned char *d = p;
  while (n) {
    if (ipos == ilen) {
      long r = ${sys("SYS_read", "0", "(long)ibuf", "sizeof ibuf")};
      if (r <= 0) return 0;
      ilen = (size_t)r;
      ipos = 0;
    }
    size_t c = ilen - ipos < n ? ilen - ipos : n;
    memcpy(d, ibuf + ipos, c);
    ipos += c; d += c; n -= c;
  }
  return 1;
}`;
}

/** `obuf`, `flush(void)` and `wr(const void *p, size_t n)`: buffered stdout. */
export function stdoutWriterC(sys: SyscallC): string {
  return `static unsigned char obuf[1 << 16];
static size_t olen;
static int flush(void) {
  size_t o = 0;
  while (o < olen) {
    long r = ${sys("SYS_write", "1", "(long)(obuf + o)", "(long)(olen - o)")};
    if (r <= 0) return 0;
    o += (size_t)r;
  }
  olen = 0;
  return 1;
}
static int wr(const void *p, size_t n) {
  const unsigned char *s = p;
  while (n) {
    if (olen == sizeof obuf && !flush()) return 0;
    size_t c = sizeof obuf - olen < n ? sizeof obuf - olen : n;
    memcpy(obuf + olen, s, c);
    olen += c; s += c; n -= c;
  }
  return 1;
}`;
}
