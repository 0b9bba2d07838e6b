import {
  deepStrictEqual,
  ok as assert,
  strictEqual as assertEquals,
  throws,
} from "node:assert/strict";
import {
  EmuLimitError,
  Engine,
  UC_HOOK,
  UC_MEM,
  type UcArchName,
  UcError,
  UnicornMissingError,
  unicornUnavailable,
  unicornVersion,
} from "./unicorn.ts";
import { runTool, toolUnavailable } from "./oracle/tools.ts";

const noUnicorn = unicornUnavailable();
const noMc = (await toolUnavailable("llvm-mc")) ?? (await toolUnavailable("llvm-objcopy"));
const skip = noUnicorn ?? noMc;
const suffix = skip ? ` (skipped: ${skip})` : "";

const BASE = 0x100000n;

/** Assemble `src` with llvm-mc for `triple` and return the .text bytes. */
async function assemble(triple: string, src: string, mattr: string[] = []): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir({ prefix: "trampolint-uc-test-" });
  try {
    await Deno.writeTextFile(`${dir}/a.s`, src);
    const as = await runTool("llvm-mc", [
      `-triple=${triple}`,
      ...mattr,
      "-filetype=obj",
      "a.s",
      "-o",
      "a.o",
    ], {
      cwd: dir,
    });
    if (as.code !== 0) throw new Error(`llvm-mc ${triple}: ${as.stderr}`);
    const oc = await runTool("llvm-objcopy", ["-O", "binary", "-j", ".text", "a.o", "a.bin"], {
      cwd: dir,
    });
    if (oc.code !== 0) throw new Error(oc.stderr);
    return await Deno.readFile(`${dir}/a.bin`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Load `code` at BASE, set registers, run until the last `nopBytes` (the final nop). */
function runSnippet(
  arch: UcArchName,
  code: Uint8Array,
  nopBytes: number,
  regs: Record<string, bigint>,
  thumb = false,
): Engine {
  const e = Engine.open(arch);
  e.map(BASE, 0x10000);
  e.write(BASE, code);
  for (const [r, v] of Object.entries(regs)) e.regWrite(r, v);
  e.run({
    begin: BASE | (thumb ? 1n : 0n),
    until: BASE + BigInt(code.length - nopBytes),
    budget: 100,
  });
  return e;
}

Deno.test({
  name: `unicorn: version 2.x and the arch table opens every engine${
    noUnicorn ? ` (skipped: ${noUnicorn})` : ""
  }`,
  ignore: !!noUnicorn,
  fn: () => {
    const [major] = unicornVersion();
    assertEquals(major, 2);
    for (const a of ["x86_64", "arm64", "riscv64", "s390x", "arm32"] as UcArchName[]) {
      const e = Engine.open(a);
      e.map(BASE, 0x1000);
      e.close();
      e.close(); // idempotent
      throws(() => e.regRead(e.spec.pc), /after close/);
    }
  },
});

Deno.test({
  name: `unicorn: x86_64 snippet (GPRs and xmm, 128-bit reads)${suffix}`,
  ignore: !!skip,
  fn: async () => {
    const code = await assemble(
      "x86_64",
      "mov %rdi, %rax\nadd %rsi, %rax\nmovq %rax, %xmm1\npunpcklqdq %xmm1, %xmm1\nnop\n",
    );
    const e = runSnippet("x86_64", code, 1, { rdi: 0x1111n, rsi: 0x2222n });
    assertEquals(e.regRead("rax"), 0x3333n);
    assertEquals(e.regRead("xmm1"), (0x3333n << 64n) | 0x3333n);
    deepStrictEqual([...e.regBytes("xmm1").subarray(0, 2)], [0x33, 0x33]);
    e.close();
  },
});

Deno.test({
  name: `unicorn: arm64 snippet (x regs, v regs)${suffix}`,
  ignore: !!skip,
  fn: async () => {
    const code = await assemble("aarch64", "add x0, x0, x1\nfmov d1, x0\nmov v1.d[1], x1\nnop\n");
    const e = runSnippet("arm64", code, 4, { x0: 40n, x1: 2n });
    assertEquals(e.regRead("x0"), 42n);
    assertEquals(e.regRead("v1"), (2n << 64n) | 42n);
    assertEquals(e.regRead("q1"), (2n << 64n) | 42n);
    e.close();
  },
});

Deno.test({
  name: `unicorn: riscv64 snippet (a regs, FP enabled through mstatus.FS)${suffix}`,
  ignore: !!skip,
  fn: async () => {
    const code = await assemble("riscv64", "add a0, a0, a1\nfmv.d.x fa1, a0\nnop\n", ["-mattr=+d"]);
    const e = runSnippet("riscv64", code, 4, { a0: 0x1000n, a1: 0x234n });
    assertEquals(e.regRead("a0"), 0x1234n);
    assertEquals(e.regRead("fa1"), 0x1234n);
    assertEquals(e.regRead("x10"), 0x1234n);
    e.close();
  },
});

Deno.test({
  name: `unicorn: s390x snippet (big-endian engine, register values in host order)${suffix}`,
  ignore: !!skip,
  fn: async () => {
    const code = await assemble("s390x", "agr %r2, %r3\nstg %r2, 0(%r4)\nnopr\n");
    const e = Engine.open("s390x");
    e.map(BASE, 0x10000);
    e.write(BASE, code);
    e.regWrite("r2", 0x0102030405060700n);
    e.regWrite("r3", 0x08n);
    e.regWrite("r4", BASE + 0x800n);
    e.run({ begin: BASE, until: BASE + BigInt(code.length - 2), budget: 100 });
    assertEquals(e.regRead("r2"), 0x0102030405060708n);
    deepStrictEqual([...e.read(BASE + 0x800n, 8)], [1, 2, 3, 4, 5, 6, 7, 8]); // big-endian memory
    e.close();
  },
});

Deno.test({
  name: `unicorn: arm32 Thumb-2 snippet (begin | 1, VFP enabled)${suffix}`,
  ignore: !!skip,
  fn: async () => {
    const code = await assemble(
      "thumbv7a-linux-gnueabihf",
      ".syntax unified\nadds r0, r0, r1\nvmov d1, r0, r1\nnop\n",
      ["-mattr=+vfp3"],
    );
    const e = runSnippet("arm32", code, 2, { r0: 5n, r1: 7n }, true);
    assertEquals(e.regRead("r0"), 12n);
    assertEquals(e.regRead("d1"), (7n << 32n) | 12n);
    assertEquals(e.regRead("s2"), 12n);
    assertEquals(e.regRead("s3"), 7n);
    e.close();
  },
});

Deno.test({
  name: `unicorn: budget exhaustion and invalid memory access are clear errors${suffix}`,
  ignore: !!skip,
  fn: async () => {
    const loop = await assemble("x86_64", "1: jmp 1b\nnop\n");
    const e = Engine.open("x86_64");
    e.map(BASE, 0x10000);
    e.write(BASE, loop);
    const err = (() => {
      try {
        e.run({ begin: BASE, until: BASE + BigInt(loop.length - 1), budget: 1000 });
      } catch (x) {
        return x;
      }
    })();
    assert(err instanceof EmuLimitError, String(err));
    assertEquals(err.limit, "budget");
    assert(/instruction budget of 1000 exhausted/.test(err.message), err.message);
    const bad = await assemble("x86_64", "movabs 0x123456789, %rax\nnop\n");
    e.write(BASE, bad);
    const err2 = (() => {
      try {
        e.run({ begin: BASE, until: BASE + BigInt(bad.length - 1), budget: 1000 });
      } catch (x) {
        return x;
      }
    })();
    assert(err2 instanceof UcError, String(err2));
    assert(err2.memory);
    assertEquals(err2.codeName, "UC_ERR_READ_UNMAPPED");
    assert(
      /invalid memory access: UC_ERR_READ_UNMAPPED .* at pc=0x100000/.test(err2.message),
      err2.message,
    );
    // the engine is still usable afterwards
    const ok = await assemble("x86_64", "mov $7, %eax\nnop\n");
    e.write(BASE, ok);
    e.run({ begin: BASE, until: BASE + BigInt(ok.length - 1) });
    assertEquals(e.regRead("rax"), 7n);
    e.close();
  },
});

Deno.test("unicorn: a missing library names the Debian package", () => {
  const e = new UnicornMissingError("libunicorn.so.2: cannot open shared object file");
  assert(/install Debian package libunicorn2/.test(e.message));
});

Deno.test({
  name: `unicorn: UC_HOOK_MEM_WRITE hook sees writes in its range only, incl. cached code${suffix}`,
  ignore: !!skip,
  fn: async () => {
    // mov [rdi], rsi; mov dword [rdi+0x100], esi; mov byte [rdx], sil; nop
    const code = await assemble(
      "x86_64",
      "movq %rsi, (%rdi)\nmovl %esi, 0x100(%rdi)\nmovb %sil, (%rdx)\nnop\n",
    );
    const e = Engine.open("x86_64");
    try {
      e.map(BASE, 0x10000);
      e.write(BASE, code);
      const seen: [number, bigint, number, bigint][] = [];
      const cb = (t: number, a: bigint, s: number, v: bigint) => seen.push([t, a, s, v]);
      // a never-hit hook from the start: blocks are translated with the hook path
      e.hookAdd(UC_HOOK.MEM_WRITE, cb, 1n, 1n);
      const go = () => {
        e.regWrite("rdi", BASE + 0x2000n);
        e.regWrite("rsi", -2n);
        e.regWrite("rdx", BASE + 0x3000n);
        e.run({ begin: BASE, until: BASE + BigInt(code.length - 1) });
      };
      go();
      deepStrictEqual(seen, []);
      // added after translation: still fires (the block already calls hooks)
      const h = e.hookAdd(UC_HOOK.MEM_WRITE, cb, BASE + 0x2000n, BASE + 0x20ffn);
      const h2 = e.hookAdd(UC_HOOK.MEM_WRITE, cb, BASE + 0x3000n, BASE + 0x3000n);
      go();
      deepStrictEqual(seen, [
        [UC_MEM.WRITE, BASE + 0x2000n, 8, -2n],
        [UC_MEM.WRITE, BASE + 0x3000n, 1, 0xfen],
      ]);
      e.hookDel(h);
      e.hookDel(h2);
      seen.length = 0;
      go();
      deepStrictEqual(seen, []);
    } finally {
      e.close();
    }
  },
});

Deno.test({
  name: `unicorn: block budgets stop loops; block listeners see every block and can stop${suffix}`,
  ignore: !!skip,
  fn: async () => {
    // three blocks (two jumps), then an endless loop
    const code = await assemble(
      "x86_64",
      "mov $1, %eax\njmp 1f\n1: add $2, %eax\njmp 2f\n2: add $4, %eax\n3: jmp 3b\nnop\n",
    );
    const e = Engine.open("x86_64", { budgetUnit: "blocks" });
    try {
      e.map(BASE, 0x10000);
      e.write(BASE, code);
      const seen: bigint[] = [];
      e.setBlockListener((addr) => {
        seen.push(addr);
      });
      const err = (() => {
        try {
          e.run({ begin: BASE, until: BASE + BigInt(code.length - 1), budget: 50 });
        } catch (x) {
          return x;
        }
      })();
      assert(err instanceof EmuLimitError, String(err));
      assertEquals(err.limit, "budget");
      assert(/block budget of 50 exhausted/.test(err.message), err.message);
      assertEquals(e.lastRunBlocks, 51);
      assertEquals(e.regRead("rax"), 7n);
      // the listener saw the three distinct blocks first, then the loop's block
      assertEquals(new Set(seen.slice(0, 3)).size, 3);
      assertEquals(seen[0], BASE);
      // a listener that stops at the third block: a normal return, eax = 1 + 2
      const third = seen[2];
      e.setBlockListener((addr) => addr === third);
      const r = e.run({ begin: BASE, until: BASE + BigInt(code.length - 1), budget: 50 });
      assertEquals(r.pc, third);
      assertEquals(e.regRead("rax"), 3n);
      // registers written in the listener are those the block then uses
      e.setBlockListener((addr) => {
        if (addr === third) e.regWrite("rax", 100n);
        return addr !== third && addr !== BASE && addr !== seen[1];
      });
      e.run({ begin: BASE, until: BASE + BigInt(code.length - 1), budget: 50 });
      assertEquals(e.regRead("rax"), 104n);
      // an exception in the listener ends the run and is rethrown by `run`
      e.setBlockListener(() => {
        throw new RangeError("listener failed");
      });
      throws(
        () => e.run({ begin: BASE, until: BASE + BigInt(code.length - 1), budget: 50 }),
        (x: unknown) => x instanceof RangeError && x.message === "listener failed",
      );
    } finally {
      e.close();
    }
    // instruction-budget engines have no block hook
    const e2 = Engine.open("x86_64");
    try {
      throws(() => e2.setBlockListener(() => {}), /budgetUnit/);
    } finally {
      e2.close();
    }
  },
});
