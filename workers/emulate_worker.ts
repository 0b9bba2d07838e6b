/**
 * Worker entry point for trampoline emulation: one Unicorn engine per arch
 * per worker (kept across jobs). A job is an `emulateMany` option object and
 * a list of eras, run one after the other over the same prototypes so that
 * the loaded harness image, its translated blocks and the observation memo
 * serve every era (a review's base and patched models are two "eras").
 *
 * @module
 */

/// <reference lib="deno.worker" />

import {
  closeHarnesses,
  emulateMany,
  type EmulateOptions,
  harnessFor,
  loadTrampArch,
} from "../jit/emu/tramp/emulate.ts";
import type { TrampArch } from "../jit/emu/tramp/layout.ts";
import { isQemuTrampArch } from "../jit/emu/tramp/qemu/arches.ts";
import type { Verdict } from "../jit/emu/tramp/verdict.ts";

/** An era derived from a base era (`TrampolineArch.deriveEra`), registered in the worker before its job. */
export interface DerivedEra {
  name: string;
  base: string;
  overrides: Record<string, string | number | boolean>;
  cite: string;
}

/** A job sent to the worker: `opts` once per era of `eras`. */
export interface WorkerJob {
  id: number;
  opts: Omit<EmulateOptions, "tramp" | "log" | "era">;
  eras: string[];
  derive?: DerivedEra[];
}

/** Load the models and open the engines of `arches` ahead of the first job. */
export interface WorkerWarm {
  id: number;
  warm: TrampArch[];
}

/** The worker's answer: verdicts per era (in `eras` order), or an error. */
export interface WorkerReply {
  id: number;
  verdicts?: Verdict[][];
  error?: string;
}

// Jobs run one at a time, in arrival order: interleaved at their awaits, two
// batches would take turns loading their images and lose each other's
// translated blocks.
let queue: Promise<void> = Promise.resolve();

self.onmessage = (e: MessageEvent<WorkerJob | WorkerWarm | { close: true }>) => {
  const msg = e.data;
  queue = queue.then(() => handle(msg));
};

async function handle(msg: WorkerJob | WorkerWarm | { close: true }): Promise<void> {
  if ("close" in msg) {
    closeHarnesses();
    self.close();
    return;
  }
  try {
    if ("warm" in msg) {
      for (const arch of msg.warm) {
        await loadTrampArch(arch);
        if (!isQemuTrampArch(arch)) harnessFor(arch);
      }
      self.postMessage({ id: msg.id, verdicts: [] } satisfies WorkerReply);
      return;
    }
    if (msg.derive?.length) {
      const t = await loadTrampArch(msg.opts.arch);
      for (const d of msg.derive) t.deriveEra?.(d.name, d.base, d.overrides, d.cite);
    }
    const verdicts: Verdict[][] = [];
    for (const era of msg.eras) verdicts.push(await emulateMany({ ...msg.opts, era }));
    self.postMessage({ id: msg.id, verdicts } satisfies WorkerReply);
  } catch (err) {
    self.postMessage(
      { id: msg.id, error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply,
    );
  }
}
