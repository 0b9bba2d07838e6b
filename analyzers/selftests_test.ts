/**
 * A series' selftest prototypes become corpus entries compiled by real gcc +
 * pahole, on a modified copy of the real Debian 6.1 bpf_testmod.c.
 */
import assert from "node:assert/strict";
import { linux61 } from "./c/linux61.ts";
import { appliedFromImages } from "./arch/testing.ts";
import { selftestAdditions } from "./selftests.ts";

const FILE = "tools/testing/selftests/bpf/bpf_testmod/bpf_testmod.c";

function edit(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `fixture edit: ${JSON.stringify(from)} not in the file`);
  return text.replace(from, to);
}

Deno.test("new functions and a changed by-value struct: added/changed entries with real BTF prototypes", async () => {
  const pre = await linux61(FILE);
  let post = edit(
    pre,
    "struct bpf_testmod_struct_arg_1 {\n\tint a;\n};",
    "struct bpf_testmod_struct_arg_1 {\n\tint a;\n\tint b;\n};\n" +
      "struct bpf_testmod_struct_int128 {\n\t__int128 a;\n};",
  );
  post = edit(
    post,
    "noinline int\nbpf_testmod_test_struct_arg_5(void) {",
    "noinline long\nbpf_testmod_test_int128_stack(u64 a, u64 b, u64 c, u64 d, u64 e, u64 f, u64 g,\n" +
      "\t\t\t      struct bpf_testmod_struct_int128 h, u64 i)\n{\n\treturn a + i + (long)h.a;\n}\n\n" +
      "noinline int\nbpf_testmod_test_struct_arg_5(void) {",
  );
  const { applied, patches } = await appliedFromImages({ [FILE]: [pre, post] });
  const r = await selftestAdditions(applied, patches);
  assert.deepEqual(r.notes, []);
  assert.deepEqual(
    r.additions.map((a) => [a.proto.name, a.change, a.patch, a.proto.source, a.decl]),
    [
      [
        "bpf_testmod_test_struct_arg_4",
        "changed",
        1,
        "series",
        "noinline int bpf_testmod_test_struct_arg_4(struct bpf_testmod_struct_arg_1 a, int b, int c, int d, struct bpf_testmod_struct_arg_2 e);",
      ],
      [
        "bpf_testmod_test_int128_stack",
        "added",
        1,
        "series",
        "noinline long bpf_testmod_test_int128_stack(u64 a, u64 b, u64 c, u64 d, u64 e, u64 f, u64 g, struct bpf_testmod_struct_int128 h, u64 i);",
      ],
    ],
  );
  // The compiler's view: the changed struct is now 8 bytes, the int128 struct 16 bytes aligned 16.
  const [s4, i128] = r.additions.map((a) => a.proto);
  assert.deepEqual([s4.params[0].type.size, s4.params[0].type.kind], [8, "struct"]);
  const h = i128.params[7].type;
  assert.deepEqual([h.kind, h.size, h.align, i128.params.length], ["struct", 16, 16, 9]);
  assert.equal(i128.ret?.size, 8);
});

Deno.test("a prototype that does not compile is reported, the others still land", async () => {
  const pre = await linux61(FILE);
  const post = edit(
    pre,
    "noinline int\nbpf_testmod_test_struct_arg_5(void) {",
    "noinline int\nbpf_testmod_broken(unknown_kernel_type_t x)\n{\n\treturn 0;\n}\n\n" +
      "noinline int\nbpf_testmod_fine(char a, short b)\n{\n\treturn a + b;\n}\n\n" +
      "noinline int\nbpf_testmod_test_struct_arg_5(void) {",
  );
  const { applied, patches } = await appliedFromImages({ [FILE]: [pre, post] });
  const r = await selftestAdditions(applied, patches);
  assert.deepEqual(r.additions.map((a) => a.proto.name), ["bpf_testmod_fine"]);
  assert.equal(r.notes.length, 1);
  assert.match(
    r.notes[0],
    /^tools\/testing\/selftests\/bpf\/bpf_testmod\/bpf_testmod\.c: not compiled, not in the corpus: bpf_testmod_broken: /,
  );
});
