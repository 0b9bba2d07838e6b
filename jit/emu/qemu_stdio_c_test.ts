import { equal, ok } from "node:assert/strict";
import { stdinReaderC, stdoutWriterC } from "./qemu_stdio_c.ts";

Deno.test("stdio C: reads and writes go through the harness's syscall wrapper", () => {
  const sys = (nr: string, a: string, b: string, c: string) => `my_sys(${nr}, ${a}, ${b}, ${c})`;
  const rd = stdinReaderC(sys);
  const wr = stdoutWriterC(sys);
  ok(rd.includes("long r = my_sys(SYS_read, 0, (long)ibuf, sizeof ibuf);"), rd);
  ok(wr.includes("long r = my_sys(SYS_write, 1, (long)(obuf + o), (long)(olen - o));"), wr);
  ok(rd.includes("static int rd(void *p, size_t n) {"));
  ok(wr.includes("static int flush(void) {") && wr.includes("static int wr(const void *p"));
  // balanced braces: each piece is whole C definitions
  for (const c of [rd, wr]) equal(c.split("{").length, c.split("}").length);
});
