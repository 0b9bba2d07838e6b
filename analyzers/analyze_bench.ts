/**
 * Analyzer speed on the real Debian 6.1 JIT files: tree-sitter parse + macro
 * constants + one recogniser read, and a whole analyze() of a one-hunk change.
 */
import { linux61 } from "./c/linux61.ts";
import { prepareImage } from "./arch/read.ts";
import { recogniser as x86 } from "./arch/x86_64.ts";
import { recogniser as arm64 } from "./arch/arm64.ts";
import { parseC } from "./c/syntax.ts";
import { appliedFromImages } from "./arch/testing.ts";
import { analyze } from "./analyze.ts";

const X86 = "arch/x86/net/bpf_jit_comp.c";
const ARM64 = "arch/arm64/net/bpf_jit_comp.c";
const x86Text = await linux61(X86);
const arm64Text = await linux61(ARM64);
const x86Img = await prepareImage(X86, x86Text);
const change = await appliedFromImages({
  [X86]: [x86Text, x86Text.replace("\tif (nr_regs > 6)\n", "\tif (nr_regs > MAX_BPF_FUNC_ARGS)\n")],
});

Deno.bench("tree-sitter parse of the x86 JIT (2.7k lines)", async () => {
  (await parseC(x86Text)).dispose();
});
Deno.bench("prepare image (parse + macro constants) of the x86 JIT", async () => {
  (await prepareImage(X86, x86Text)).c.dispose();
});
Deno.bench("x86_64 recogniser read (prepared image)", () => {
  x86.read(x86Img);
});
Deno.bench("arm64 prepare + read", async () => {
  const img = await prepareImage(ARM64, arm64Text);
  arm64.read(img);
  img.c.dispose();
});
Deno.bench("analyze(): one x86 hunk, x86 + arm64, no corpus", async () => {
  await analyze(change.applied, change.patches, { recognisers: [x86, arm64], noCorpus: true });
});
