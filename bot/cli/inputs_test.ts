/**
 * Every input shape `review` accepts gives the same series: an mbox, its
 * gzip (t.mbox.gz), a directory of .eml files, one .eml, an mboxo copy.
 */
import { deepStrictEqual, equal } from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { splitMbox } from "../ingest/mbox.ts";
import { reviewJson } from "./testing.ts";

const THREAD =
  new URL("../../fixtures/threads/arm64_relax_jit_comp.mbox", import.meta.url).pathname;
const COVER = "20250709-arm64_relax_jit_comp-v1-0-2f8c6d1e7b35@bootlin.com";

// deno-lint-ignore no-explicit-any
type J = any;
const shape = (j: J) => ({
  id: j.series.messageId,
  patches: j.series.patches.map((p: J) => [p.index, p.added, p.removed, p.mangled]),
  replies: j.series.replies,
  base: j.series.baseCommit,
});

Deno.test("mbox, mbox.gz, .eml directory and mboxo give the same series", async () => {
  const dir = await Deno.makeTempDir({ prefix: "trampolint-inputs-" });
  const bytes = await Deno.readFile(THREAD);
  await Deno.writeFile(`${dir}/t.mbox.gz`, gzipSync(bytes));
  const emls = `${dir}/emls`;
  await Deno.mkdir(emls);
  const raws = splitMbox(bytes).messages;
  for (const [i, raw] of raws.entries()) {
    await Deno.writeTextFile(`${emls}/${String(i).padStart(3, "0")}.eml`, raw.text);
  }
  await Deno.writeTextFile(`${emls}/notes.txt`, "not a mail, just notes\n");
  // mboxo: plain "From sender date" separators.
  const mboxo = raws.map((r) => `From alexis@bootlin.com Wed Jul  9 10:36:54 2025\n${r.text}\n`)
    .join("");
  await Deno.writeTextFile(`${dir}/o.mbox`, mboxo);

  const flags = ["--offline", "--no-embedded", "-q"];
  const fromMbox = await reviewJson([THREAD, ...flags]);
  equal(fromMbox.input.format, "mboxrd");
  equal(fromMbox.series.messageId, COVER);
  deepStrictEqual(shape(fromMbox).patches, [[1, 0, 5, null], [2, 0, 1, null]]);
  equal(fromMbox.series.replies, 7, "10 mails: cover, 2 patches, 7 replies");

  const fromGz = await reviewJson([`${dir}/t.mbox.gz`, ...flags]);
  deepStrictEqual(shape(fromGz), shape(fromMbox));
  const fromDir = await reviewJson([emls, ...flags]);
  equal(fromDir.input.format, "eml-dir");
  deepStrictEqual(fromDir.input.notes, ["skipped notes.txt: not a mail (no header block)"]);
  deepStrictEqual(shape(fromDir), shape(fromMbox));
  const fromO = await reviewJson([`${dir}/o.mbox`, ...flags]);
  equal(fromO.input.format, "mboxo");
  deepStrictEqual(shape(fromO), shape(fromMbox));

  const one = await reviewJson([`${emls}/001.eml`, ...flags]);
  equal(one.input.format, "eml");
  equal(one.series.patches.length, 1);
  deepStrictEqual(one.series.missing, [2]);
  equal(one.series.hasCover, false);
});

Deno.test("the embedded archive answers fixture ids offline (the README's main command)", async () => {
  const j = await reviewJson([
    "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com",
    "--offline",
    "-q",
  ]);
  equal(j.input.format, "archive");
  equal(j.series.subject, "[PATCH RFC bpf-next 0/4] bpf, arm64: support up to 12 arguments");
  equal(j.series.patches.length, 4);
  equal(j.series.previousVersion, null);
  const v2 = await reviewJson([
    "20250422-many_args_arm64-v2-3-5c7e1d9b2a64@bootlin.com",
    "--offline",
    "-q",
  ]);
  equal(v2.series.version, 2);
  equal(v2.series.previousVersion, "20250411-many_args_arm64-v1-0-0a32fe72339e@bootlin.com");
  equal(
    v2.series.patches[2].files.length > 0,
    true,
    "the base64-encoded patch 3 decodes to a diff",
  );
});
