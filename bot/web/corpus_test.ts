/**
 * The corpus view over the real kernel's BTF (the machine's
 * /sys/kernel/btf/vmlinux) and the prototype lookup across sources.
 */

import assert from "node:assert/strict";
import { corpusView, DEFAULT_BTF, findPrototype, placementStats } from "./corpus.ts";
import { stressPrototypes } from "../../jit/corpus/stress.ts";

Deno.test("corpus view reads the real vmlinux BTF, or says why not", async () => {
  let readable = true;
  try {
    await Deno.stat(DEFAULT_BTF);
  } catch {
    readable = false;
  }
  const v = await corpusView(DEFAULT_BTF);
  const real = v.sources.find((s) => s.source === "real")!;
  if (readable) {
    assert.equal(real.missing, null);
    assert.ok(real.prototypes > 10_000, `only ${real.prototypes} real functions`);
    const x86 = v.stats.find((s) => s.arch === "x86_64" && s.source === "real")!;
    assert.equal(x86.prototypes, real.prototypes);
    // Most kernel functions take ≤ 6 arguments: no stack arguments on x86_64.
    assert.ok(x86.stackArgsHistogram[0] > 0.9 * real.prototypes);
    const p = await findPrototype("tcp_sendmsg", [], DEFAULT_BTF);
    assert.equal(p?.source, "real");
    assert.equal(p?.params.length, 3);
  } else {
    assert.equal(real.prototypes, 0);
    assert.match(real.missing!, /cannot read BTF at/);
  }
});

Deno.test("placement statistics count registers and stack per arch", () => {
  const protos = stressPrototypes().filter((p) => p.name.startsWith("stress_u8_p"));
  const x86 = placementStats("x86_64", "stress", protos);
  const arm = placementStats("arm64", "stress", protos);
  assert.equal(x86.prototypes, protos.length);
  // x86_64 passes 6 integer arguments in registers, arm64 8: x86 puts more on the stack.
  assert.ok(x86.args.stack > arm.args.stack, `${x86.args.stack} vs ${arm.args.stack}`);
  assert.equal(x86.args.fpr, 0);
  assert.equal(
    x86.stackArgsHistogram.reduce((a, b) => a + b, 0) + x86.errors,
    protos.filter((p) => !p.unsupported).length,
  );
});
