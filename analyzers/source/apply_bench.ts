import { applySeries } from "./apply.ts";
import { kernelTreeProvider } from "./kernel_tree.ts";
import { linuxSourceTree } from "./linux_source.ts";
import { fixtureSeries } from "./testing/series.ts";

const t = await linuxSourceTree();
const x86 = await fixtureSeries("x86-12-args.mbox");
const dna = await fixtureSeries("does-not-apply.mbox");

Deno.bench("linuxSourceTree (cached)", async () => {
  await linuxSourceTree();
});

Deno.bench("applySeries x86-12-args (2 patches, 2 files) over linux-source-6.1", async () => {
  await applySeries(x86, await kernelTreeProvider(t.dir, x86.baseCommit, { label: t.label }));
});

Deno.bench("applySeries does-not-apply (3-way fallback + check run)", async () => {
  await applySeries(dna, await kernelTreeProvider(t.dir, dna.baseCommit, { label: t.label }));
});
