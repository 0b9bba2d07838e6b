/**
 * A pool of Deno module workers for trampoline emulation
 * (workers/emulate_worker.ts). Prototypes are deduplicated by ABI shape in the
 * calling thread, cut into image-sized batches (one harness image each, so no
 * two workers build the same image) and spread over the workers; verdicts are
 * mapped back to every prototype. Small jobs run in-process.
 *
 * @module
 */

import type { AttachType } from "../jit/arch/tramp_types.ts";
import type { Prototype } from "../jit/corpus/types.ts";
import { abiKey, BATCH, emulateMany, shapeKey } from "../jit/emu/tramp/emulate.ts";
import type { TrampArch } from "../jit/emu/tramp/layout.ts";
import type { Verdict } from "../jit/emu/tramp/verdict.ts";
import type { DerivedEra, WorkerJob, WorkerReply, WorkerWarm } from "./emulate_worker.ts";

/** Below this many distinct shapes, run in-process (worker start-up costs ~100 ms). */
export const IN_PROCESS_BELOW = 300;

/** What to emulate. */
export interface PoolJob {
  arch: TrampArch;
  era: string;
  attach: AttachType;
  protos: Prototype[];
  ipArg?: boolean;
  /** Emulate one prototype per ABI-key group inside each worker batch (default true). */
  dedupe?: boolean;
}

/**
 * The same job at several eras (e.g. a review's base and patched models);
 * `derive` registers derived eras in every worker first (they were
 * registered in this thread by whoever made them).
 */
export type PoolErasJob = Omit<PoolJob, "era"> & {
  eras: string[];
  derive?: DerivedEra[];
  /** Called as worker batches finish (done, of total). */
  onProgress?: (done: number, total: number) => void;
};

interface Pending {
  resolve: (v: Verdict[][]) => void;
  reject: (e: Error) => void;
}

/**
 * One prototype per ABI shape, in (abiKey, source, name) order, and for each
 * input prototype the index of its representative. The batches cut from
 * `reps`, and so the harness images and their cache entries, depend on the
 * corpus, not on the order a caller lists it in; and each batch holds whole
 * abiKey groups, which the workers' dedupe emulates once.
 */
export function representatives(protos: Prototype[]): { reps: Prototype[]; map: number[] } {
  // the same corpus array is often run again (another arch, attach type or era)
  const hit = repsCache.get(protos);
  if (hit && hit.n === protos.length) return hit.r;
  const r = computeRepresentatives(protos);
  repsCache.set(protos, { n: protos.length, r });
  return r;
}

const repsCache = new WeakMap<
  Prototype[],
  { n: number; r: { reps: Prototype[]; map: number[] } }
>();

function computeRepresentatives(protos: Prototype[]): { reps: Prototype[]; map: number[] } {
  const order = protos.map((_, i) => i);
  const keys = protos.map((p) => `${abiKey(p)}\u0000${p.source}\u0000${p.name}`);
  order.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b));
  const reps: Prototype[] = [];
  const idxOf = new Map<string, number>();
  const map = new Array<number>(protos.length);
  for (const j of order) {
    const p = protos[j];
    const k = shapeKey(p);
    let i = idxOf.get(k);
    if (i === undefined) {
      i = reps.length;
      idxOf.set(k, i);
      reps.push(p);
    }
    map[j] = i;
  }
  return { reps, map };
}

/** A fixed set of workers; reuse it across jobs, then `close()`. */
export class EmulatePool {
  readonly size: number;
  #workers: Worker[] = [];
  #pending = new Map<number, Pending>();
  #next = 0;
  #rr = 0;

  constructor(size = navigator.hardwareConcurrency || 2) {
    this.size = Math.max(1, size);
  }

  #worker(i: number): Worker {
    let w = this.#workers[i];
    if (!w) {
      // module worker; Deno workers inherit the parent's permissions by default
      // (the explicit `deno.permissions` option needs --unstable-worker-options)
      w = new Worker(new URL("./emulate_worker.ts", import.meta.url).href, { type: "module" });
      w.onmessage = (e: MessageEvent<WorkerReply>) => {
        const p = this.#pending.get(e.data.id);
        if (!p) return;
        this.#pending.delete(e.data.id);
        if (e.data.error !== undefined) p.reject(new Error(e.data.error));
        else p.resolve(e.data.verdicts!);
      };
      w.onerror = (e) => {
        e.preventDefault();
        for (const p of this.#pending.values()) p.reject(new Error(`worker failed: ${e.message}`));
        this.#pending.clear();
      };
      this.#workers[i] = w;
    }
    return w;
  }

  #send(msg: Omit<WorkerJob, "id"> | Omit<WorkerWarm, "id">, worker: number): Promise<Verdict[][]> {
    const id = this.#next++;
    const w = this.#worker(worker % this.size);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      w.postMessage({ id, ...msg });
    });
  }

  /**
   * Start every worker and have it load the models and open the engines of
   * `arches` (a long-running bot does this once at start-up: ~0.1–0.2 s,
   * measured in jit/emu/tramp/tramp_bench.ts).
   */
  async warm(arches: TrampArch[]): Promise<void> {
    await Promise.all(Array.from({ length: this.size }, (_, i) => this.#send({ warm: arches }, i)));
  }

  /** Emulate `job.protos`; verdicts in input order. */
  async run(job: PoolJob): Promise<Verdict[]> {
    const { era, ...rest } = job;
    const [vs] = await this.runEras({ ...rest, eras: [era] });
    return vs;
  }

  /**
   * Emulate `job.protos` at every era of `job.eras`; verdicts per era, in
   * input order. Each worker runs its batches at every era in a row, so the
   * harness image and its translated caller/callee code serve all of them.
   */
  async runEras(job: PoolErasJob): Promise<Verdict[][]> {
    const { reps, map } = representatives(job.protos);
    const { eras, derive, onProgress: _p, ...opts } = job;
    const dedupe = job.dedupe ?? true;
    let repVerdicts: Verdict[][];
    if (reps.length < IN_PROCESS_BELOW) {
      repVerdicts = [];
      for (const era of eras) {
        repVerdicts.push(await emulateMany({ ...opts, era, dedupe, protos: reps }));
      }
    } else {
      const chunks: Prototype[][] = [];
      for (let i = 0; i < reps.length; i += BATCH) chunks.push(reps.slice(i, i + BATCH));
      // chunk i always goes to worker i % size: the same batch (harness image)
      // lands on the same worker in every job, which keeps its image and its
      // observations of identical runs warm.
      let done = 0;
      const parts = await Promise.all(
        chunks.map((c, i) =>
          this.#send({ opts: { ...opts, dedupe, protos: c }, eras, derive }, i).then((v) => {
            job.onProgress?.(++done, chunks.length);
            return v;
          })
        ),
      );
      repVerdicts = eras.map((_, k) => parts.flatMap((p) => p[k]));
    }
    return repVerdicts.map((rv) =>
      job.protos.map((p, i) => {
        const v = rv[map[i]];
        return v.proto === p.name ? v : { ...v, proto: p.name };
      })
    );
  }

  /** Stop every worker. */
  close(): void {
    for (const w of this.#workers) w?.terminate();
    this.#workers = [];
    for (const p of this.#pending.values()) p.reject(new Error("pool closed"));
    this.#pending.clear();
  }
}

/** One-shot: a pool of `workers` (default hardwareConcurrency) for one job. */
export async function emulatePool(job: PoolJob & { workers?: number }): Promise<Verdict[]> {
  const pool = new EmulatePool(job.workers);
  try {
    return await pool.run(job);
  } finally {
    pool.close();
  }
}
