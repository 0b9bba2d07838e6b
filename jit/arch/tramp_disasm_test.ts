/**
 * Every generated trampoline, both architectures, every era and attach type,
 * decoded by two independent disassemblers: Capstone (the product's, via FFI)
 * and llvm-mc. Each must decode every byte as instructions (no data), and the
 * two must agree on the instruction boundaries and mnemonics.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { capstoneUnavailable, disassemble } from "../emu/capstone.ts";
import { tramp as x86 } from "./x86_64/tramp.ts";
import { tramp as arm64 } from "./arm64/tramp.ts";
import type { AttachType, TrampolineArch } from "./tramp_types.ts";
import { selftestPrototypes } from "../corpus/selftests.ts";
import { distill } from "../corpus/distill.ts";

const ATTACH: AttachType[] = ["fentry", "fexit", "fmod_ret", "struct_ops"];
const NAMES = [
  "bpf_fentry_test1",
  "bpf_fentry_test11",
  "bpf_testmod_test_struct_arg_7",
  "bpf_testmod_test_struct_arg_9",
  "bpf_testmod_test_int128_backfill",
];

async function llvmMnemonics(triple: string, code: Uint8Array): Promise<string[]> {
  const hex = [...code].map((b) => `0x${b.toString(16).padStart(2, "0")}`).join(" ");
  const p = new Deno.Command("llvm-mc", {
    args: ["--disassemble", `-triple=${triple}`, "-output-asm-variant=1"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode(hex));
  await w.close();
  const r = await p.output();
  const err = new TextDecoder().decode(r.stderr).trim();
  if (err) throw new Error(`llvm-mc: ${err}`);
  return new TextDecoder().decode(r.stdout).split("\n").map((l) => l.trim())
    .filter((l) => l && !l.startsWith(".")).map((l) => l.split(/\s+/)[0]);
}

/** Mnemonic spellings that differ between the two disassemblers but mean the same. */
function canonical(m: string): string {
  const alias: Record<string, string> = { movabs: "mov", movz: "mov", movn: "mov" };
  return alias[m] ?? m;
}

const protos = await selftestPrototypes("lp64");
const why = capstoneUnavailable();

for (const [arch, t, triple] of [["x86_64", x86, "x86_64"], ["arm64", arm64, "aarch64"]] as const) {
  Deno.test({
    name: `${arch}: every era × attach trampoline decodes identically with Capstone and llvm-mc`,
    ignore: why !== null,
    fn: async () => {
      let checked = 0;
      for (const era of (t as TrampolineArch).eras) {
        for (const attach of ATTACH) {
          for (const name of NAMES) {
            const proto = protos.find((p) => p.name === name)!;
            const d = distill(proto, t.distillEra(era));
            if (!d.ok) continue;
            const res = t.build({ proto, model: d.model, attach, ipArg: true }, {
              base: 0x200000n,
              funcAddr: attach === "struct_ops" ? null : 0x100000n,
              progEnter: 0x101000n,
              prog: 0x102000n,
              progExit: 0x103000n,
            }, era);
            if (!res.ok) continue;
            const cs = disassemble(arch, res.code, 0x200000n);
            const bytes = cs.reduce((n, i) => n + i.size, 0);
            deepStrictEqual(
              bytes,
              res.code.length,
              `${arch} ${era} ${attach} ${name}: all bytes decode`,
            );
            ok(
              cs.every((i) => !i.mnemonic.startsWith(".")),
              `${arch} ${era} ${attach} ${name}: no data`,
            );
            const llvm = await llvmMnemonics(triple, res.code);
            deepStrictEqual(
              cs.map((i) => canonical(i.mnemonic)),
              llvm.map(canonical),
              `${arch} ${era} ${attach} ${name}`,
            );
            checked++;
          }
        }
      }
      ok(checked > 40, `${checked} trampolines checked`);
    },
  });
}
