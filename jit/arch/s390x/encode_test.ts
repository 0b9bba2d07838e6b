/**
 * Every encoder against GNU as (`s390x-linux-gnu-as`, Debian binutils) and
 * Capstone 4 (SystemZ, big-endian): the assembler must produce our exact bytes
 * for the same text, and Capstone must decode each instruction to the expected
 * mnemonic.
 */
import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import * as Z from "./encode.ts";
import { capstoneUnavailable, disassemble } from "../../emu/capstone.ts";

const { r0, r1, r2, r3, r4, r6, r7, r8, r14, r15 } = Z.R;

/** [our bytes, GNU as text, Capstone mnemonic]. Relative branches use `.+N`. */
const CASES: [Z.Insn, string, string][] = [
  [Z.basr(r14, r1), "basr %r14,%r1", "basr"],
  [Z.br(r14), "br %r14", "br"],
  [Z.br(r1), "br %r1", "br"],
  [Z.bcr(0, r0), "bcr 0,%r0", "bcr"],
  [Z.lgr(r1, r8), "lgr %r1,%r8", "lgr"],
  [Z.lgr(r3, r7), "lgr %r3,%r7", "lgr"],
  [Z.ltgr(r7, r2), "ltgr %r7,%r2", "ltgr"],
  [Z.lgbr(r2, r2), "lgbr %r2,%r2", "lgbr"],
  [Z.lghr(r2, r2), "lghr %r2,%r2", "lghr"],
  [Z.lgfr(r2, r2), "lgfr %r2,%r2", "lgfr"],
  [Z.aghi(r15, -304), "aghi %r15,-304", "aghi"],
  [Z.aghi(r15, 32767), "aghi %r15,32767", "aghi"],
  [Z.lghi(r0, 12), "lghi %r0,12", "lghi"],
  [Z.lghi(r0, -1), "lghi %r0,-1", "lghi"],
  [Z.la(r3, 280, r15), "la %r3,280(%r15)", "la"],
  [Z.la(r2, 4095, r15), "la %r2,4095(%r15)", "la"],
  [Z.lg(r1, 328, r15), "lg %r1,328(%r15)", "lg"],
  [Z.lg(r14, -8, r15), "lg %r14,-8(%r15)", "lg"],
  [Z.lg(r2, 0x7ffff, r15), "lg %r2,524287(%r15)", "lg"],
  [Z.stg(r0, 200, r15), "stg %r0,200(%r15)", "stg"],
  [Z.stg(r6, 4096, r15), "stg %r6,4096(%r15)", "stg"],
  [Z.stg(r2, 8, r15, r3), "stg %r2,8(%r3,%r15)", "stg"],
  [Z.ltg(r0, 232, r15), "ltg %r0,232(%r15)", "ltg"],
  [Z.stmg(r2, r6, 168, r15), "stmg %r2,%r6,168(%r15)", "stmg"],
  [Z.stmg(r7, r8, 240, r15), "stmg %r7,%r8,240(%r15)", "stmg"],
  [Z.lmg(r2, r4, 168, r15), "lmg %r2,%r4,168(%r15)", "lmg"],
  [Z.lmg(r7, r8, -16, r15), "lmg %r7,%r8,-16(%r15)", "lmg"],
  [Z.llihf(r1, 0xdeadbeef), "llihf %r1,0xdeadbeef", "llihf"],
  [Z.oilf(r1, 0x00101000), "oilf %r1,0x101000", "oilf"],
  [Z.brcl(8, 60), "brcl 8,.+60", "jge"],
  [Z.brcl(7, -12), "brcl 7,.-12", "jgne"],
  [Z.brcl(15, 0x1000), "brcl 15,.+4096", "jg"],
  [Z.nop6(), "brcl 0,.", "brcl"],
  [Z.brasl(r0, 0xe00000), "brasl %r0,.+14680064", "brasl"],
  [Z.brasl(r14, -6), "brasl %r14,.-6", "brasl"],
  [Z.mvc(200, 8, r15, 472, r15), "mvc 200(8,%r15),472(%r15)", "mvc"],
  [Z.mvc(200, 16, r15, 0, r3), "mvc 200(16,%r15),0(%r3)", "mvc"],
  [Z.mvc(160, 256, r15, 4095, r15), "mvc 160(256,%r15),4095(%r15)", "mvc"],
  [Z.xc(232, 8, r15, 232, r15), "xc 232(8,%r15),232(%r15)", "xc"],
];

async function gnuAs(text: string): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir({ prefix: "s390x-enc-" });
  try {
    await Deno.writeTextFile(`${dir}/t.s`, text);
    const run = async (cmd: string, args: string[]) => {
      const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
      if (!r.success) throw new Error(`${cmd}: ${new TextDecoder().decode(r.stderr)}`);
    };
    await run("s390x-linux-gnu-as", ["-march=z13", "-o", `${dir}/t.o`, `${dir}/t.s`]);
    await run("s390x-linux-gnu-objcopy", [
      "-O",
      "binary",
      "-j",
      ".text",
      `${dir}/t.o`,
      `${dir}/t.bin`,
    ]);
    return await Deno.readFile(`${dir}/t.bin`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const hex = (b: Iterable<number>) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("s390x encoders: same bytes as GNU as assembles", async () => {
  const bin = await gnuAs(CASES.map(([, t]) => t).join("\n") + "\n");
  let at = 0;
  const got = CASES.map(([b, t]) => {
    const s = `${t}: ${hex(bin.subarray(at, at + b.length))}`;
    at += b.length;
    return s;
  });
  assertEquals(CASES.map(([b, t]) => `${t}: ${hex(b)}`), got);
  // the section is padded to its alignment
  assertEquals(bin.length - at < 8, true);
});

Deno.test({
  name: "s390x encoders: Capstone decodes each instruction",
  ignore: capstoneUnavailable() !== null,
  fn: () => {
    const bytes = Uint8Array.from(CASES.flatMap(([b]) => b));
    const insns = disassemble("s390x", bytes, 0x1000n);
    assertEquals(insns.map((i) => i.mnemonic), CASES.map(([, , m]) => m));
    assertEquals(insns.map((i) => i.size), CASES.map(([b]) => b.length));
  },
});

Deno.test("s390x encoders: range checks", () => {
  throws(() => Z.aghi(r15, 0x8000), RangeError);
  throws(() => Z.la(r2, 4096, r15), RangeError);
  throws(() => Z.lg(r2, 1 << 19, r15), RangeError);
  throws(() => Z.mvc(0, 257, r15, 0, r15), RangeError);
  throws(() => Z.mvc(4096, 8, r15, 0, r15), RangeError);
  throws(() => Z.brcl(4, 3), RangeError);
  throws(() => Z.lgr(16, 0), RangeError);
  assertEquals(Z.inBranchRange(0x1000n, 0x1000n + (1n << 32n) - 2n), true);
  assertEquals(Z.inBranchRange(0x1000n, 0x1000n + (1n << 32n)), false);
  assertEquals(Z.inBranchRange(0x1000n, 0x1001n), false);
});

Deno.test("s390x encoders: loadImm64 and Asm fixups", () => {
  assertEquals(Z.loadImm64(r1, 0x0000000100f01000n), [Z.llihf(r1, 1), Z.oilf(r1, 0xf01000)]);
  assertEquals(Z.loadImm64(r0, -1n), [Z.llihf(r0, 0xffffffff), Z.oilf(r0, 0xffffffff)]);
  const a = new Z.Asm();
  const l = a.label();
  a.to(l, (o) => Z.brcl(8, o));
  a.emit(Z.lgr(r1, r8), Z.br(r1));
  a.bind(l);
  a.to(l, (o) => Z.brcl(15, o));
  assertEquals(
    [...a.bytes()],
    [...Z.brcl(8, 12), ...Z.lgr(r1, r8), ...Z.br(r1), ...Z.brcl(15, 0)],
  );
});
