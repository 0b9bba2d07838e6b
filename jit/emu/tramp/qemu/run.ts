/**
 * Run a batch of jobs in the qemu-user harness: one `qemu-ppc64le-static`
 * process per batch (~10 ms to start), jobs on stdin, one result per job on
 * stdout (protocol.ts). A job that kills the process (a trampoline that
 * faults: qemu reports the uncaught signal) or does not finish in time gets a
 * fault result; the process is restarted for the jobs after it.
 *
 * @module
 */

import {
  decodeResult,
  encodeJobs,
  type QemuJob,
  type QemuResult,
  type ResultShape,
} from "./protocol.ts";
import { TOOL_PACKAGES, ToolMissingError } from "../../../tools.ts";

/** The qemu-user binary. */
export const QEMU = "qemu-ppc64le-static";

/** A job that did not produce a result. */
export interface QemuFault {
  id: number;
  fault: string;
}

/** Results (or faults) per job, in job order. */
export type QemuOutcome = { ok: true; result: QemuResult } | { ok: false; fault: string };

/** The harness's exit code after its fault handler reported a job. */
const FAULT_EXIT = 5;

/** Time allowed per process: a base plus a per-job allowance (qemu translates each new trampoline). */
const BASE_MS = 10_000;
const PER_JOB_MS = 100;

async function runOnce(
  exe: string,
  jobs: QemuJob[],
  shapeOf: (id: number) => ResultShape,
): Promise<{ results: QemuResult[]; stderr: string; code: number | null; timedOut: boolean }> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(QEMU, {
      args: [exe],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ToolMissingError(QEMU, `install Debian package ${TOOL_PACKAGES[QEMU]}`);
    }
    throw e;
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, BASE_MS + PER_JOB_MS * jobs.length);
  const input = encodeJobs(jobs);
  const writer = (async () => {
    const w = child.stdin.getWriter();
    try {
      await w.write(input);
      await w.close();
    } catch { /* the process died: the results tell */ }
  })();
  const [out, err, status] = await Promise.all([
    new Response(child.stdout).arrayBuffer(),
    new Response(child.stderr).text(),
    child.status,
    writer,
  ]);
  clearTimeout(timer);
  const buf = new Uint8Array(out);
  const results: QemuResult[] = [];
  let off = 0;
  while (off < buf.length) {
    const d = decodeResult(buf, off, shapeOf);
    if (!d) break;
    results.push(d.result);
    off = d.next;
  }
  return { results, stderr: err, code: status.code, timedOut };
}

/** Runs `jobs` (restarting after a job that kills the process); outcomes in job order. */
export async function runQemuJobs(
  exe: string,
  jobs: QemuJob[],
  shapeOf: (id: number) => ResultShape,
): Promise<QemuOutcome[]> {
  const out: QemuOutcome[] = [];
  let rest = jobs;
  while (rest.length > 0) {
    const r = await runOnce(exe, rest, shapeOf);
    for (let i = 0; i < r.results.length; i++) {
      if (r.results[i].id !== rest[i].id) {
        throw new Error(`qemu harness: result for ${r.results[i].id}, expected ${rest[i].id}`);
      }
      out.push({ ok: true, result: r.results[i] });
    }
    if (r.results.length === rest.length) {
      if (r.code !== 0 && r.code !== FAULT_EXIT) {
        throw new Error(`qemu harness exited with ${r.code}: ${r.stderr.trim()}`);
      }
      break;
    }
    if (r.code === 2 && /bad job|mismatch|short|outside/.test(r.stderr)) {
      throw new Error(`qemu harness rejected a job: ${r.stderr.trim()}`);
    }
    const last = r.results[r.results.length - 1];
    if (r.code === FAULT_EXIT && last && last.status !== 0) {
      // the fault handler reported the job it stopped (a result with the signal)
      rest = rest.slice(r.results.length);
      continue;
    }
    // the job after the last result did not finish and could not report
    const why = r.timedOut
      ? `no result within the time budget (${
        BASE_MS + PER_JOB_MS * rest.length
      } ms for ${rest.length} jobs): the trampoline does not return`
      : (r.stderr.trim().split("\n").filter(Boolean).pop() ?? `exit code ${r.code}`);
    out.push({ ok: false, fault: why });
    rest = rest.slice(r.results.length + 1);
  }
  return out;
}
