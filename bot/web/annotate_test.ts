/**
 * Disassembly annotations on real generated trampolines (the arch models'
 * generators, run and judged in the emulator, decoded by Capstone).
 */

import assert from "node:assert/strict";
import { selftestPrototypes } from "../../jit/corpus/selftests.ts";
import { emulateOne, loadTrampArch } from "../../jit/emu/tramp/emulate.ts";
import type { TrampArch } from "../../jit/emu/tramp/layout.ts";
import { annotate, decode } from "./annotate.ts";
import { placementOf } from "./frame.ts";

async function notesOf(arch: TrampArch, era: string, name: string, attach: "fentry" | "fexit") {
  const proto = (await selftestPrototypes()).find((p) => p.name === name)!;
  const v = await emulateOne({ arch, era, attach, proto, keepCode: true });
  assert.equal(v.status, "pass", JSON.stringify(v.mismatches));
  return annotate(arch, await decode(arch, v.code!), v.frame!, placementOf(arch, proto))
    .flatMap((i) => i.notes);
}

Deno.test("x86_64: saves, stack reads and restores are named per argument", async () => {
  const notes = await notesOf("x86_64", "v6.6", "bpf_fentry_test7", "fexit");
  assert.ok(notes.includes("saves arg 0 (rdi) to ctx[0] (arg 0)"), notes.join("\n"));
  assert.ok(notes.includes("saves arg 5 (r9) to ctx[5] (arg 5)"));
  assert.ok(notes.some((n) => /^reads arg 6 from the caller's stack \(fp\+\d+\)$/.test(n)));
  assert.ok(notes.includes("restores rdi (arg 0) from ctx[0] (arg 0)"));
  assert.ok(notes.includes("writes ctx[-1] (slot count)"));
});

Deno.test("arm64: sp-based ctx stores map to frame offsets", async () => {
  const notes = await notesOf("arm64", "v6.17", "bpf_fentry_test7", "fentry");
  for (let i = 0; i < 7; i++) {
    assert.ok(notes.includes(`saves arg ${i} (x${i}) to ctx[${i}] (arg ${i})`), notes.join("\n"));
  }
  // The epilogue's frame-record loads are not ctx reads.
  assert.ok(!notes.some((n) => /reads ctx\[0\]/.test(n)), notes.join("\n"));
});

Deno.test("s390x: r2–r6 saves and mvc copies of stack arguments", async () => {
  const t = await loadTrampArch("s390x");
  const notes = await notesOf("s390x", t.eras.at(-1)!, "bpf_fentry_test7", "fexit");
  assert.ok(notes.includes("saves arg 0 (r2) to ctx[0] (arg 0)"), notes.join("\n"));
  assert.ok(notes.includes("saves arg 4 (r6) to ctx[4] (arg 4)"));
  assert.ok(
    notes.some((n) =>
      /^copies 8 bytes from the caller's stack \(fp\+\d+, arg 5\) to ctx\[5\]/.test(n)
    ),
    notes.join("\n"),
  );
  assert.ok(notes.includes("points r2 at ctx[0] (the ctx the program gets)"));
});

Deno.test("riscv64 (Capstone 5 WASM): a0–a7 saves, stack reads, ctx pointer", async () => {
  const t = await loadTrampArch("riscv64");
  const notes = await notesOf("riscv64", t.eras.at(-1)!, "bpf_fentry_test11", "fexit");
  assert.ok(notes.includes("saves arg 0 (a0) to ctx[0] (arg 0)"), notes.join("\n"));
  assert.ok(notes.includes("saves arg 7 (a7) to ctx[7] (arg 7)"));
  assert.ok(
    notes.some((n) => /^reads the caller's stack \(fp\+16, arg 8\)$/.test(n)),
    notes.join("\n"),
  );
  assert.ok(notes.includes("restores a0 (arg 0) from ctx[0] (arg 0)"));
  assert.ok(notes.some((n) => /^points a\d at ctx\[0\]/.test(n)), notes.join("\n"));
});
