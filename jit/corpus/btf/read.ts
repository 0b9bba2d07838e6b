/**
 * Reads a BTF file. Deno refuses `/sys` paths (as it does `/proc`) to any
 * permission set short of `--allow-all`, even with `--allow-read` (measured,
 * Deno 2.9.6), so a scoped task reads `/sys/kernel/btf/vmlinux` through
 * `cat` (covered by `--allow-run`) when the direct read is not permitted.
 *
 * @module
 */

/** The bytes of a BTF file (e.g. /sys/kernel/btf/vmlinux). Throws with the reason when unreadable. */
export async function readBtfFile(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied)) {
      throw e;
    }
    const out = await new Deno.Command("cat", {
      args: ["--", path],
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    if (out.code !== 0) {
      throw new Error(`cat ${path}: ${new TextDecoder().decode(out.stderr).trim()}`);
    }
    return out.stdout;
  }
}
