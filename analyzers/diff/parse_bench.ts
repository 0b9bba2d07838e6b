/** Diff parsing speed (README "Performance"): a 5 MB patch. */
import { parseDiff } from "./parse.ts";
import { bigPatch } from "./testdata.ts";

const text = bigPatch();

Deno.bench({
  name: `diff: parse a ${(text.length / 1e6).toFixed(1)} MB patch (${
    text.split("diff --git ").length - 1
  } files)`,
  fn() {
    parseDiff(text);
  },
});
