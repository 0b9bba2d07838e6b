/**
 * Every encoder against GNU as (`riscv64-linux-gnu-as -march=rv64i`, the
 * assembler the kernel's toolchain uses) and LLVM's disassembler
 * (`llvm-mc --disassemble -triple=riscv64`); `li` (the kernel's `emit_imm`)
 * run in Unicorn for edge values.
 */
import { deepStrictEqual as assertEquals, equal, throws } from "node:assert/strict";
import * as V from "./encode.ts";
import { runTool, toolUnavailable } from "../../tools.ts";
import { Engine, unicornUnavailable } from "../../emu/unicorn.ts";

const { zero, ra, sp, t0, t1, fp, s1, a0, a1, a5, a7 } = V.R;

/** [our word, the assembly text GNU as must encode identically]. */
const CASES: [number, string][] = [
  [V.addi(sp, sp, -16), "addi sp, sp, -16"],
  [V.addi(sp, sp, 2047), "addi sp, sp, 2047"],
  [V.addi(sp, sp, -2048), "addi sp, sp, -2048"],
  [V.addi(fp, sp, 16), "addi s0, sp, 16"],
  [V.addi(a1, fp, -40), "addi a1, s0, -40"],
  [V.addiw(a0, a0, -1), "addiw a0, a0, -1"],
  [V.mv(s1, a0), "addi s1, a0, 0"],
  [V.nop(), "addi zero, zero, 0"],
  [V.slli(t1, t1, 12), "slli t1, t1, 12"],
  [V.slli(t1, t1, 63), "slli t1, t1, 63"],
  [V.srli(t1, t1, 32), "srli t1, t1, 32"],
  [V.add(a0, a0, a7), "add a0, a0, a7"],
  [V.lui(t1, 0x12345), "lui t1, 0x12345"],
  [V.lui(t1, -1), "lui t1, 0xfffff"],
  [V.lui(t1, -(1 << 19)), "lui t1, 0x80000"],
  [V.auipc(t1, 0), "auipc t1, 0"],
  [V.auipc(t1, -2), "auipc t1, 0xffffe"],
  [V.ld(t0, 8, sp), "ld t0, 8(sp)"],
  [V.ld(a0, -2048, fp), "ld a0, -2048(s0)"],
  [V.ld(t1, 2047, fp), "ld t1, 2047(s0)"],
  [V.sd(ra, 8, sp), "sd ra, 8(sp)"],
  [V.sd(zero, -24, fp), "sd zero, -24(s0)"],
  [V.sd(a5, -2048, fp), "sd a5, -2048(s0)"],
  [V.sd(a7, 2047, fp), "sd a7, 2047(s0)"],
  [V.jalr(zero, ra, 0), "jalr zero, 0(ra)"],
  [V.jalr(zero, t0, 0), "jalr zero, 0(t0)"],
  [V.jalr(t0, t1, -4), "jalr t0, -4(t1)"],
  [V.jalr(ra, t1, 2047), "jalr ra, 2047(t1)"],
  [V.jal(ra, 8), "jal ra, .+8"],
  [V.jal(zero, -(1 << 20)), "jal zero, .-1048576"],
  [V.jal(zero, (1 << 20) - 2), "jal zero, .+1048574"],
  [V.beq(a0, zero, 12), "beq a0, zero, .+12"],
  [V.beq(a0, zero, -4096), "beq a0, zero, .-4096"],
  [V.bne(t1, zero, 4094), "bne t1, zero, .+4094"],
  [V.bne(t1, zero, -2), "bne t1, zero, .-2"],
];

const hex = (w: number) => w.toString(16).padStart(8, "0");
const noAs = await toolUnavailable("riscv64-linux-gnu-as");
const noMc = await toolUnavailable("llvm-mc");

Deno.test({
  name: "riscv64 encoders: same words as GNU as assembles",
  ignore: !!noAs,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "trampolint-rv-as-" });
    try {
      // one instruction per 4 bytes: .option norvc keeps GNU as from compressing
      const src = ".option norvc\n.text\n" + CASES.map(([, t]) => `${t}\n`).join("");
      await Deno.writeTextFile(`${dir}/t.s`, src);
      const as = await runTool("riscv64-linux-gnu-as", [
        "-march=rv64i",
        "-mno-relax",
        "t.s",
        "-o",
        "t.o",
      ], { cwd: dir });
      equal(as.code, 0, as.stderr);
      const oc = await runTool(
        "riscv64-linux-gnu-objcopy",
        ["-O", "binary", "-j", ".text", "t.o"],
        {
          cwd: dir,
        },
      );
      equal(oc.code, 0, oc.stderr);
      const bin = await Deno.readFile(`${dir}/t.o`);
      equal(bin.length, 4 * CASES.length);
      const dv = new DataView(bin.buffer);
      assertEquals(
        CASES.map(([w, t]) => `${t}: ${hex(w)}`),
        CASES.map(([, t], i) => `${t}: ${hex(dv.getUint32(4 * i, true))}`),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "riscv64 encoders: llvm-mc disassembles every word to the same instruction",
  ignore: !!noMc,
  fn: async () => {
    const bytes = V.wordsToBytes(CASES.map(([w]) => w));
    const r = await runTool("llvm-mc", ["--disassemble", "-triple=riscv64"], {
      stdin: new TextEncoder().encode(
        [...bytes].map((x) => `0x${x.toString(16)}`).join(" ") + "\n",
      ),
    });
    equal(r.code, 0, r.stderr);
    equal(r.stderr.trim(), "", r.stderr);
    const lines = new TextDecoder().decode(r.stdout).split("\n").map((l) => l.trim())
      .filter((l) => l && !l.startsWith("."));
    equal(lines.length, CASES.length);
    // mnemonics agree (llvm prints aliases: mv, nop, ret, jr, j, beqz, bnez, ...)
    const alias: Record<string, string[]> = {
      addi: ["addi", "mv", "nop", "li"],
      jalr: ["jalr", "ret", "jr"],
      jal: ["jal", "j"],
      beq: ["beq", "beqz"],
      bne: ["bne", "bnez"],
      addiw: ["addiw", "sext.w"],
    };
    lines.forEach((l, i) => {
      const want = CASES[i][1].split(" ")[0];
      const got = l.split(/\s+/)[0];
      equal((alias[want] ?? [want]).includes(got), true, `${CASES[i][1]} → ${l}`);
    });
  },
});

Deno.test("riscv64 encoders: range checks", () => {
  throws(() => V.addi(sp, sp, 2048), RangeError);
  throws(() => V.sd(ra, -2049, sp), RangeError);
  throws(() => V.beq(a0, zero, 4096), RangeError);
  throws(() => V.beq(a0, zero, 3), RangeError);
  throws(() => V.jal(ra, 1 << 20), RangeError);
  throws(() => V.slli(t1, t1, 64), RangeError);
  throws(() => V.addi(32, 0, 0), RangeError);
  throws(() => V.aReg(8), RangeError);
  throws(() => V.hiLo(1n << 31n), RangeError);
  assertEquals(V.hiLo(0x800n), { hi: 1, lo: -0x800 });
  assertEquals(V.hiLo(-4n), { hi: 0, lo: -4 });
  assertEquals(V.hiLo(0x7ffff7ffn), { hi: 0x7ffff, lo: 0x7ff });
});

Deno.test("riscv64 Asm: forward branch fixups", () => {
  const a = new V.Asm();
  const l = a.label();
  a.to(l, (o) => V.beq(a0, zero, o));
  a.emit(V.nop(), V.nop());
  a.bind(l);
  a.to(l, (o) => V.bne(t1, zero, o));
  assertEquals(a.finish(), [V.beq(a0, zero, 12), V.nop(), V.nop(), V.bne(t1, zero, 0)]);
});

const noEmu = unicornUnavailable();

Deno.test({
  name: "riscv64 li (emit_imm) and farJump: Unicorn computes the intended values",
  ignore: !!noEmu,
  fn: () => {
    const values = [
      0n,
      1n,
      -1n,
      2047n,
      -2048n,
      2048n,
      0x7ffff7ffn,
      0x7ffff800n,
      0x7fffffffn,
      -0x80000000n,
      0x80000000n,
      0xffffffffn,
      0x100000000n,
      0x9796959493929190n,
      0x8000000000000000n,
      0x7fffffffffffffffn,
      0x00f01000n,
      0xdeadbeef12345678n,
      0x123n << 40n,
    ];
    const e = Engine.open("riscv64");
    try {
      const base = 0x10000n;
      e.map(base, 0x10000);
      for (const v of values) {
        const words = V.li(a0, v);
        const code = V.wordsToBytes(words);
        e.write(base, code);
        e.removeCache(base, base + 0x1000n);
        e.run({ begin: base, until: base + BigInt(code.length), budget: 100 });
        equal(e.regRead("a0"), BigInt.asUintN(64, v), `li ${v.toString(16)}`);
      }
      // farJump: auipc t1 + jalr t0 lands on the target with t0 = return address
      const at = base + 0x100n, target = base + 0x8000n + 0x7fcn;
      e.write(at, V.wordsToBytes(V.farJump(t0, at, target)));
      e.write(target, V.wordsToBytes([V.nop()]));
      e.removeCache(base, base + 0x10000n);
      e.run({ begin: at, until: target, budget: 100 });
      equal(e.regRead("t0"), at + 8n);
    } finally {
      e.close();
    }
  },
});
