/**
 * The placement oracle pipeline: prototypes → C callers (source.ts) → real
 * compiler + linker (build.ts, cached) → emulator or qemu-user runs (run.ts)
 * → observed argument locations (observe.ts).
 *
 * Prototypes are split into batches (one compile unit and one image each,
 * symbol ids local to the batch so that a batch's cache key depends only on
 * its prototypes); batches compile concurrently (2 at a time by default, the
 * machine has 2 cores) while earlier batches run in one reused Unicorn engine.
 *
 * @module
 */

import type { Prototype } from "../../corpus/types.ts";
import { buildBatch, type BuiltImage } from "./build.ts";
import { observeArgs, type ObservedArg } from "./observe.ts";
import { QEMU_MAX_DUMP } from "./qemu.ts";
import { type Dump, type RunnerOptions, runQemu, type RunRequest, UnicornRunner } from "./run.ts";
import { type Compiler, type OracleArch, TARGETS } from "./targets.ts";
import { planValues, type ValuePlan } from "./values.ts";
import { withInt128Align } from "./adapt.ts";

/** Options of `observePlacements`. */
export interface OracleOptions {
  /** Default "gcc" (the kernel's compiler). */
  compiler?: Compiler;
  /** Prototypes per compile unit (default 400). */
  batchSize?: number;
  /** Builds in flight (default 2). */
  concurrency?: number;
  /** Cache root (see build.ts `cacheRoot`); null disables the cache. */
  cacheDir?: string | null;
  /** Called as prototypes are done (built and run, or skipped). */
  onProgress?: (done: number, total: number) => void;
  runner?: RunnerOptions;
}

/** One prototype's observation. */
export interface ProtoObservation {
  /** Index in the input array. */
  index: number;
  proto: Prototype;
  plan: ValuePlan;
  /** One dump per run of the plan. */
  dumps: Dump[];
  args: ObservedArg[];
}

/** What the oracle saw for a list of prototypes. */
export interface OracleResult {
  arch: OracleArch;
  compiler: Compiler;
  observed: ProtoObservation[];
  skipped: { index: number; proto: Prototype; reason: string }[];
  stats: {
    batches: number;
    cachedBatches: number;
    compileMs: number;
    linkMs: number;
    runMs: number;
    runs: number;
    engineOpenMs: number;
    totalMs: number;
  };
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** Run the oracle for `protos` on `arch`. */
export async function observePlacements(
  arch: OracleArch,
  input: Prototype[],
  opts: OracleOptions = {},
): Promise<OracleResult> {
  const t0 = performance.now();
  const target = TARGETS[arch];
  const compiler = opts.compiler ?? "gcc";
  const i128 = target.int128Align?.[compiler];
  const protos = i128 ? input.map((p) => withInt128Align(p, i128)) : input;
  const batchSize = Math.max(1, Math.min(opts.batchSize ?? 400, 4000));
  const total = protos.length;
  let done = 0;
  const progress = (n: number) => {
    done += n;
    opts.onProgress?.(done, total);
  };
  opts.onProgress?.(0, total);
  const result: OracleResult = {
    arch,
    compiler,
    observed: [],
    skipped: [],
    stats: {
      batches: 0,
      cachedBatches: 0,
      compileMs: 0,
      linkMs: 0,
      runMs: 0,
      runs: 0,
      engineOpenMs: 0,
      totalMs: 0,
    },
  };
  const batches: number[][] = [];
  for (let i = 0; i < protos.length; i += batchSize) {
    batches.push(Array.from({ length: Math.min(batchSize, protos.length - i) }, (_, k) => i + k));
  }
  // a small semaphore for concurrent builds
  let slots = Math.max(1, opts.concurrency ?? 2);
  const waiters: (() => void)[] = [];
  const acquire = async () => {
    if (slots > 0) slots--;
    else await new Promise<void>((r) => waiters.push(r));
  };
  const release = () => {
    const w = waiters.shift();
    if (w) w();
    else slots++;
  };
  const builds = batches.map(async (b) => {
    await acquire();
    try {
      return await buildBatch(target, b.map((gi, k) => [k, protos[gi]]), {
        compiler,
        cacheDir: opts.cacheDir,
      });
    } finally {
      release();
    }
  });
  // don't leave rejected promises unobserved while we wait on earlier batches
  builds.forEach((p) => p.catch(() => {}));
  let runner: UnicornRunner | null = null;
  try {
    for (let bi = 0; bi < batches.length; bi++) {
      const img = await builds[bi];
      const b = batches[bi];
      result.stats.batches++;
      if (img.cached) result.stats.cachedBatches++;
      result.stats.compileMs += img.ms.compile;
      result.stats.linkMs += img.ms.link;
      const t1 = performance.now();
      if (target.runner === "unicorn" && !runner) {
        runner = new UnicornRunner(target, opts.runner);
        result.stats.engineOpenMs = runner.openMs;
      }
      try {
        await runBatch(img, b, protos, runner, result, opts.runner);
      } finally {
        await img.dispose();
      }
      result.stats.runMs += performance.now() - t1;
      progress(b.length);
    }
  } finally {
    runner?.close();
  }
  result.observed.sort((a, b) => a.index - b.index);
  result.skipped.sort((a, b) => a.index - b.index);
  result.stats.totalMs = performance.now() - t0;
  return result;
}

async function runBatch(
  img: BuiltImage,
  batch: number[],
  protos: Prototype[],
  runner: UnicornRunner | null,
  result: OracleResult,
  ropts: RunnerOptions | undefined,
): Promise<void> {
  const target = TARGETS[img.arch];
  for (const s of img.skipped) {
    const gi = batch[s.id];
    result.skipped.push({ index: gi, proto: protos[gi], reason: s.reason });
  }
  const todo: { k: number; gi: number; plan: ValuePlan; reqs: RunRequest[] }[] = [];
  for (const [k, gi] of batch.entries()) {
    if (!img.entries.has(k)) {
      if (!img.skipped.some((s) => s.id === k)) {
        result.skipped.push({ index: gi, proto: protos[gi], reason: "not in the built image" });
      }
      continue;
    }
    const proto = protos[gi];
    let plan: ValuePlan;
    try {
      plan = planValues(proto, img.arch);
    } catch (e) {
      result.skipped.push({ index: gi, proto, reason: (e as Error).message });
      continue;
    }
    const sizes = proto.params.map((p) => p.type.size);
    const ptrLen = Math.max(0, ...sizes);
    const dumpLen = Math.min(
      QEMU_MAX_DUMP,
      512 + 2 * sizes.reduce((s, n) => s + alignUp(n, 16), 0),
    );
    const reqs = plan.runs.map((r, ri) => ({ id: k, run: ri, args: r.bytes, ptrLen, dumpLen }));
    todo.push({ k, gi, plan, reqs });
  }
  const dumpsOf = new Map<number, Dump[]>();
  const failed = new Map<number, string>();
  if (target.runner === "qemu") {
    const dumps = await runQemu(target, img, todo.flatMap((x) => x.reqs), ropts);
    result.stats.runs += dumps.length;
    for (const d of dumps) {
      const a = dumpsOf.get(d.id) ?? [];
      a[d.run] = d;
      dumpsOf.set(d.id, a);
    }
  } else {
    runner!.load(img);
    for (const x of todo) {
      try {
        dumpsOf.set(x.k, x.reqs.map((r) => runner!.run(r)));
        result.stats.runs += x.reqs.length;
      } catch (e) {
        failed.set(x.k, e instanceof Error ? e.message : String(e));
      }
    }
  }
  for (const x of todo) {
    const proto = protos[x.gi];
    const f = failed.get(x.k);
    if (f !== undefined) {
      result.skipped.push({ index: x.gi, proto, reason: `run failed: ${f}` });
      continue;
    }
    const dumps = dumpsOf.get(x.k);
    if (!dumps || dumps.length !== x.plan.runs.length) {
      result.skipped.push({ index: x.gi, proto, reason: "no dump" });
      continue;
    }
    result.observed.push({
      index: x.gi,
      proto,
      plan: x.plan,
      dumps,
      args: observeArgs(target, proto, x.plan, dumps),
    });
  }
}
