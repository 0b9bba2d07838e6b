import { equal, throws } from "node:assert/strict";
import type { FuncModel, Prototype } from "../../corpus/types.ts";
import type { AttachType, TrampolineRequest } from "../tramp_types.ts";
import { requireFuncAddr, wideRetRefusal } from "./tramp_checks.ts";
import { trampFlags } from "./tramp_flags.ts";

// Only the fields the checks read.
function req(attach: AttachType, retSize: number): TrampolineRequest {
  return {
    proto: { name: "int128_ret" } as Prototype,
    model: { retSize } as FuncModel,
    attach,
    ipArg: false,
  };
}

Deno.test("wideRetRefusal: fexit/fmod_ret with a >8-byte return, only where the era refuses", () => {
  const r = wideRetRefusal(req("fexit", 16), true, "B24, 2026");
  equal(r?.ok, false);
  if (r && !r.ok) {
    equal(r.errno, "EINVAL");
    equal(
      r.reason,
      "int128_ret with a >8 byte return value is not supported for this attach type (B24, 2026; errno UNVERIFIED)",
    );
  }
  equal(wideRetRefusal(req("fmod_ret", 16), true, "c")?.ok, false);
  equal(wideRetRefusal(req("fexit", 16), false, "c"), null);
  equal(wideRetRefusal(req("fexit", 8), true, "c"), null);
  equal(wideRetRefusal(req("fentry", 16), true, "c"), null);
  equal(wideRetRefusal(req("struct_ops", 16), true, "c"), null);
});

Deno.test("requireFuncAddr: a traced function needs its address; struct_ops does not", () => {
  throws(
    () => requireFuncAddr("toy", "fentry", trampFlags("fentry", 0, false), null),
    /^Error: toy fentry trampoline needs the traced function's address$/,
  );
  requireFuncAddr("toy", "fentry", trampFlags("fentry", 0, false), 0x1000n);
  requireFuncAddr("toy", "struct_ops", trampFlags("struct_ops", 0, false), null);
});
