/**
 * Running local tools (compilers, linkers, qemu-user) with argument arrays,
 * captured output, time limits and a clear error when a tool is missing.
 *
 * @module
 */

/** A tool that is not installed. */
export class ToolMissingError extends Error {
  readonly tool: string;
  constructor(tool: string, hint: string) {
    super(`${tool} not found (${hint})`);
    this.name = "ToolMissingError";
    this.tool = tool;
  }
}

/** Debian packages that provide each tool (for messages and test skips). */
export const TOOL_PACKAGES: Record<string, string> = {
  "gcc": "gcc",
  "clang": "clang",
  "ld.lld": "lld",
  "llvm-objcopy": "llvm",
  "llvm-nm": "llvm",
  "llvm-readelf": "llvm",
  "llvm-mc": "llvm",
  "aarch64-linux-gnu-gcc": "gcc-aarch64-linux-gnu",
  "riscv64-linux-gnu-gcc": "gcc-riscv64-linux-gnu",
  "s390x-linux-gnu-gcc": "gcc-s390x-linux-gnu",
  "s390x-linux-gnu-ld": "binutils-s390x-linux-gnu",
  "arm-linux-gnueabihf-gcc": "gcc-arm-linux-gnueabihf",
  "powerpc64le-linux-gnu-gcc": "gcc-powerpc64le-linux-gnu",
  "qemu-ppc64le-static": "qemu-user-static",
  "pahole": "dwarves",
};

/** Result of a tool run. */
export interface ToolResult {
  code: number;
  stdout: Uint8Array;
  stderr: string;
  ms: number;
}

/** Options of `runTool`. */
export interface ToolOptions {
  cwd?: string;
  stdin?: Uint8Array;
  /** Kill the tool after this many ms (default 120 s). */
  timeoutMs?: number;
  /** Extra environment variables (added to the inherited environment). */
  env?: Record<string, string>;
}

/** Run `cmd args` (no shell); throws `ToolMissingError` when `cmd` is not installed. */
export async function runTool(
  cmd: string,
  args: string[],
  opts: ToolOptions = {},
): Promise<ToolResult> {
  const t0 = performance.now();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(cmd, {
      args,
      cwd: opts.cwd,
      env: opts.env,
      stdin: opts.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ToolMissingError(cmd, `install Debian package ${TOOL_PACKAGES[cmd] ?? cmd}`);
    }
    throw e;
  }
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, timeoutMs);
  try {
    if (opts.stdin) {
      const w = child.stdin.getWriter();
      // write concurrently with reading output (large inputs would otherwise deadlock)
      const writing = w.write(opts.stdin).then(() => w.close()).catch(() => {});
      const out = await child.output();
      await writing;
      return finish(out);
    }
    return finish(await child.output());
  } finally {
    clearTimeout(timer);
  }

  function finish(out: Deno.CommandOutput): ToolResult {
    const stderr = new TextDecoder().decode(out.stderr);
    if (timedOut) throw new Error(`${cmd} killed after ${timeoutMs} ms`);
    return { code: out.code, stdout: out.stdout, stderr, ms: performance.now() - t0 };
  }
}

const available = new Map<string, Promise<string | null>>();

/** Null when `cmd` runs (`--version`), else why not. Cached per process. */
export function toolUnavailable(cmd: string): Promise<string | null> {
  let p = available.get(cmd);
  if (!p) {
    p = runTool(cmd, ["--version"], { timeoutMs: 20_000 }).then(
      (r) => r.code === 0 ? null : `${cmd} --version exited ${r.code}`,
      (e) => e instanceof Error ? e.message : String(e),
    );
    available.set(cmd, p);
  }
  return p;
}

const versions = new Map<string, Promise<string>>();

/** First line of `cmd --version` (part of cache keys). */
export function toolVersion(cmd: string): Promise<string> {
  let p = versions.get(cmd);
  if (!p) {
    p = runTool(cmd, ["--version"], { timeoutMs: 20_000 }).then((r) => {
      const s = new TextDecoder().decode(r.stdout) || r.stderr;
      return s.split("\n")[0].trim();
    });
    versions.set(cmd, p);
  }
  return p;
}

/**
 * Runs a tool and returns its stdout as text; a failing exit status throws
 * with the tool's last stderr lines (for build steps that must succeed).
 */
export async function runChecked(cmd: string, args: string[], cwd?: string): Promise<string> {
  const r = await runTool(cmd, args, { cwd });
  if (r.code !== 0) {
    const err = r.stderr.trim().split("\n").slice(-20).join("\n");
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.code}):\n${err}`);
  }
  return new TextDecoder().decode(r.stdout);
}
