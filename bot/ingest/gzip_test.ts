import { deepStrictEqual, rejects } from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { gunzipCapped, isGzip } from "./gzip.ts";

async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(s).arrayBuffer());
}

Deno.test("round trip", async () => {
  const data = new TextEncoder().encode("From mboxrd@z x\n".repeat(100));
  const gz = await gzip(data);
  deepStrictEqual(isGzip(gz), true);
  deepStrictEqual(await gunzipCapped(gz, 1 << 20), data);
});

Deno.test("truncated gzip is reported as truncated", async () => {
  const gz = await gzip(new TextEncoder().encode("x".repeat(100_000) + Math.random()));
  await rejects(gunzipCapped(gz.subarray(0, gz.length - 10), 1 << 20), /truncated or corrupt/);
});

Deno.test("1 GiB decompression bomb stops at the cap with bounded memory", async () => {
  // 64 concatenated gzip members of 16 MiB of zeros: a ~1 MiB file that inflates to 1 GiB.
  const member = gzipSync(new Uint8Array(16 << 20), { level: 9 });
  const bomb = new Uint8Array(member.length * 64);
  for (let i = 0; i < 64; i++) bomb.set(member, i * member.length);
  const before = Deno.memoryUsage().rss;
  await rejects(gunzipCapped(bomb, 64 << 20), /decompression cap/);
  const grew = Deno.memoryUsage().rss - before;
  deepStrictEqual(grew < 256 << 20, true, `RSS grew by ${grew} bytes`);
});

Deno.test("concatenated gzip members are read whole", async () => {
  const a = gzipSync(new TextEncoder().encode("abc"));
  const b = gzipSync(new TextEncoder().encode("def"));
  const both = new Uint8Array([...a, ...b]);
  deepStrictEqual(new TextDecoder().decode(await gunzipCapped(both, 100)), "abcdef");
});
