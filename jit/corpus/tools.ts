/**
 * Running local tools (compilers, pahole) and the on-disk cache shared by
 * the corpus and emulation stages.
 *
 * @module
 */

/** A tool that failed or is missing, with what to install. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolError";
  }
}

/** Debian packages that provide the tools we run. */
const PACKAGES: Record<string, string> = {
  gcc: "gcc",
  pahole: "dwarves",
  "llvm-objcopy": "llvm",
  "arm-linux-gnueabihf-gcc": "gcc-arm-linux-gnueabihf",
  clang: "clang",
};

/** Runs a tool with an argument array (never a shell string); throws ToolError with stderr on failure. */
export async function run(tool: string, args: string[], cwd?: string): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(tool, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      const pkg = PACKAGES[tool];
      throw new ToolError(`${tool} is not installed${pkg ? ` (Debian package ${pkg})` : ""}`);
    }
    throw e;
  }
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-20).join("\n");
    throw new ToolError(`${tool} ${args.join(" ")} failed (exit ${out.code}):\n${err}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** The cache directory for a purpose: $TRAMPOLINT_CACHE or <repo>/.cache. */
export function cacheDir(purpose: string): string {
  const base = Deno.env.get("TRAMPOLINT_CACHE") ??
    new URL("../../.cache", import.meta.url).pathname;
  return `${base.replace(/\/$/, "")}/${purpose}`;
}

/** Hex SHA-256 of bytes. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const h = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(h)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
