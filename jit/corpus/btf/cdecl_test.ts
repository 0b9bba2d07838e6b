import assert from "node:assert/strict";
import type { CType, Member, Prototype, RecordType } from "../types.ts";
import { BtfKind, parseBtf } from "./parse.ts";
import { allPrototypes, ctypeOf } from "./ctype.ts";
import { cDeclarations, CDecls, cPrototype, cTypeName } from "./cdecl.ts";
import { buildTypesBtf, gccRun, gccSyntaxCheck, missingTools, run } from "./testdata/tools.ts";

const missing = missingTools();
if (missing) console.warn(`cdecl compile tests skipped: ${missing}`);

const int: CType = { kind: "int", name: "int", size: 4, align: 4, signed: true };
const long: CType = { kind: "int", name: "long", size: 8, align: 8, signed: true };
const char: CType = { kind: "int", name: "char", size: 1, align: 1, signed: true };
const mem = (name: string, type: CType, offset: number): Member => ({
  name,
  type,
  offset,
  bitOffset: null,
  bitSize: null,
});
const rec = (
  kind: "struct" | "union",
  name: string,
  size: number,
  align: number,
  members: Member[],
  packed = false,
): RecordType => ({ kind, name, size, align, packed, members });
const proto = (
  name: string,
  ret: CType | null,
  params: [string, CType][],
  variadic = false,
): Prototype => ({
  name,
  source: "stress",
  ret,
  params: params.map(([n, t]) => ({ name: n, type: t })),
  variadic,
  unsupported: null,
});

/** The names of record types reached by value from the BTF of types.c, for asserting everything. */
const GT_TYPES = [
  "tp_ints",
  "tp_enums",
  "tp_packed",
  "tp_packed_tail",
  "tp_al16",
  "tp_member_al",
  "tp_has_packed",
  "tp_i128",
  "tp_int128_only",
  "tp_bits",
  "tp_union",
  "tp_nested",
  "tp_flex",
  "tp_arrays",
  "tp_floats",
  "tp_typedefs",
  "tp_tagged",
];

/** A runtime check of every bitfield's position (set to all ones, scan the bytes). */
function bitfieldChecks(d: CDecls, types: RecordType[]): string {
  const lines: string[] = [];
  const walk = (top: RecordType, t: RecordType, path: string, base: number) => {
    for (const m of t.members) {
      if (m.name === "" && (m.type.kind === "struct" || m.type.kind === "union")) {
        walk(top, m.type, path, base + m.offset);
      } else if (m.bitSize !== null && m.name) {
        lines.push(
          `{ ${d.typeName(top)} v; memset(&v, 0, sizeof v); v.${path}${m.name} = -1; ` +
            `check("${top.name}.${m.name}", (unsigned char *)&v, sizeof v, ${
              base * 8 + m.bitOffset!
            }, ${m.bitSize}); }`,
        );
      }
    }
  };
  for (const t of types) walk(t, t, "", 0);
  return `#include <stdio.h>
#include <string.h>
static int bad;
static void check(const char *n, const unsigned char *p, unsigned long sz, int off, int bits)
{
	int lo = -1, cnt = 0;
	for (unsigned long i = 0; i < sz * 8; i++)
		if (p[i / 8] & (1u << (i % 8))) { if (lo < 0) lo = (int)i; cnt++; }
	if (lo != off || cnt != bits) { printf("%s: at %d width %d, want %d width %d\\n", n, lo, cnt, off, bits); bad = 1; }
}
int main(void)
{
${lines.map((l) => `\t${l}`).join("\n")}
	printf(bad ? "FAIL\\n" : "OK\\n");
	return 0;
}
`;
}

Deno.test({
  name: "cdecl: declarations for types.c round-trip through gcc and clang (_Static_assert layouts)",
  ignore: missing !== null,
  async fn() {
    const btf = parseBtf(await buildTypesBtf());
    const protos = allPrototypes(btf);
    const d = new CDecls(protos);
    const recs: RecordType[] = [];
    for (const n of GT_TYPES) {
      const t = ctypeOf(
        btf,
        btf.findByName(n).find((id) =>
          [BtfKind.STRUCT, BtfKind.UNION].includes(btf.kind(id) as 4 | 5)
        )!,
      );
      assert.ok(t.kind === "struct" || t.kind === "union");
      recs.push(t);
      d.addType(t);
    }
    const decls = d.declarations();
    const asserts = d.layoutAsserts();
    const protoLines = protos.map((p) => `${d.prototype(p)};`).join("\n");
    const code = `${decls}\n${protoLines}\n\n${asserts}`;
    // Every record and attribute we expect is there.
    assert.match(decls, /struct __attribute__\(\(packed\)\) tp_packed \{/);
    assert.match(decls, /struct __attribute__\(\(aligned\(16\)\)\) tp_al16 \{/);
    assert.match(decls, /int b __attribute__\(\(aligned\(16\)\)\);/);
    assert.match(decls, /unsigned long long d : 40;/);
    assert.match(decls, /enum __attribute__\(\(packed\)\) tp_small \{/);
    assert.match(decls, /long data\[\];/);
    assert.match(decls, /^struct tp_opaque;$/m);
    assert.match(protoLines, /^int tp_variadic\(int n, \.\.\.\);$/m);
    assert.match(protoLines, /^void tp_void_ret\(int a, struct __anon_\d+ b, _Bool c\);$/m);
    assert.match(protoLines, /^struct tp_pair tp_ret_struct\(int a\);$/m);
    assert.match(
      protoLines,
      /^int tp_ptrs\(struct tp_opaque \*o, const char \*s, void \*cb, int \*u, void \*arr, void \*\*pp\);$/m,
    );
    assert.ok(asserts.split("\n").length > 100);
    await gccSyntaxCheck(code);
    // clang too (the secondary ABI oracle).
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/c.c`, code);
      await run("clang", ["-std=gnu11", "-fsyntax-only", "-Wall", "-Werror", `${dir}/c.c`]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    // Bitfield positions at run time.
    const out = await gccRun(`${decls}\n${bitfieldChecks(d, recs)}`);
    assert.equal(out.trim(), "OK");
  },
});

Deno.test({
  name:
    "cdecl: synthetic layouts (packed+aligned, holes, unions, enums, same-name records) compile with asserts",
  ignore: missing !== null,
  async fn() {
    const u8: CType = { kind: "int", name: "unsigned char", size: 1, align: 1, signed: false };
    const i128: CType = {
      kind: "int",
      name: "__int128 unsigned",
      size: 16,
      align: 16,
      signed: false,
    };
    const dbl: CType = { kind: "float", name: "double", size: 8, align: 8 };
    // __attribute__((packed, aligned(4))) as a stress generator would model it.
    const pa = rec("struct", "struct pa", 12, 4, [
      mem("c", char, 0),
      mem("l", long, 1),
      mem("t", u8, 9),
    ], true);
    // A hole no attribute explains (source had `int :32;`).
    const hole = rec("struct", "struct hole", 12, 4, [mem("a", int, 0), mem("b", int, 8)]);
    // Tail padding explained by aligned(32), and a union padded by alignment.
    const al32 = rec("struct", "struct al32", 32, 32, [mem("x", dbl, 0)]);
    const un = rec("union", "union un", 16, 16, [mem("a", int, 0), mem("d", dbl, 0)]);
    const u128 = rec("struct", "struct u128", 32, 16, [mem("c", char, 0), mem("v", i128, 16)]);
    // Two different `struct dup` layouts, and an anonymous record.
    const dup1 = rec("struct", "struct dup", 4, 4, [mem("a", int, 0)]);
    const dup2 = rec("struct", "struct dup", 8, 8, [mem("a", long, 0)]);
    const anon = rec("struct", "struct (anon)", 8, 4, [mem("a", int, 0), mem("b", int, 4)]);
    // Bitfields with a gap (source had `unsigned : 7;`) and a bitfield crossing a byte.
    const bits = rec("struct", "struct bits", 8, 4, [
      { name: "a", type: int, offset: 0, bitOffset: 0, bitSize: 3 },
      { name: "b", type: int, offset: 1, bitOffset: 10, bitSize: 9 },
      { name: "c", type: u8, offset: 4, bitOffset: 32, bitSize: 8 },
    ]);
    const enums: CType[] = [1, 2, 4, 8].flatMap((size) =>
      [true, false].map((signed) => ({
        kind: "enum" as const,
        name: `enum e${size}${signed ? "s" : "u"}`,
        size,
        align: size,
        signed,
      }))
    );
    const arr: CType = { kind: "array", name: "int[3]", elem: int, count: 3, size: 12, align: 4 };
    const withArr = rec("struct", "struct witharr", 16, 4, [mem("n", int, 0), mem("v", arr, 4)]);
    const protos: Prototype[] = [
      proto("f_pa", long, [["a", pa], ["b", hole], ["c", al32]]),
      proto("f_un", un, [["u", un], ["w", u128]]),
      proto("f_dup", int, [["x", dup1], ["y", dup2], ["z", anon]]),
      proto("f_bits", null, [["b", bits], ["w", withArr]]),
      proto("f_enums", int, enums.map((e, i) => [`e${i}`, e] as [string, CType])),
      proto("f_var", int, [["n", int]], true),
      proto("f_void", char, []),
      proto("f_ptrs", { kind: "ptr", name: "struct sock *", size: 8, align: 8 }, [
        ["sk", { kind: "ptr", name: "const struct sock *const", size: 8, align: 8 }],
        ["u", { kind: "ptr", name: "u64 *", size: 8, align: 8 }],
        ["cb", { kind: "ptr", name: "void (*)(int)", size: 8, align: 8 }],
        ["pp", { kind: "ptr", name: "unsigned long **", size: 8, align: 8 }],
        ["d", { kind: "ptr", name: "struct dup *", size: 8, align: 8 }],
        ["e", { kind: "ptr", name: "union dup *", size: 8, align: 8 }],
      ]),
    ];
    const d = new CDecls(protos);
    const decls = d.declarations();
    assert.match(decls, /struct __attribute__\(\(packed, aligned\(4\)\)\) pa \{/);
    assert.match(decls, /struct dup \{\n\tint a;\n\};/);
    assert.match(decls, /struct dup__2 \{\n\tlong a;\n\};/);
    assert.match(decls, /struct __attribute__\(\(aligned\(32\)\)\) al32/);
    assert.match(decls, /unsigned char : 8;/);
    assert.match(decls, /struct __anon_[0-9a-f]{8} \{/);
    assert.match(
      decls,
      /enum __attribute__\(\(packed\)\) e1s \{ e1s__min = \(-127 - 1\), e1s__max = 127 \};/,
    );
    const protoText = protos.map((p) => `${d.prototype(p)};`).join("\n");
    assert.match(
      protoText,
      /^int f_dup\(struct dup x, struct dup__2 y, struct __anon_[0-9a-f]{8} z\);$/m,
    );
    assert.match(protoText, /^int f_var\(int n, \.\.\.\);$/m);
    assert.match(protoText, /^signed char f_void\(void\);$/m);
    assert.match(
      protoText,
      /^struct sock \*f_ptrs\(const struct sock \*const sk, void \*u, void \*cb, unsigned long \*\*pp, struct dup \*d, void \*e\);$/m,
    );
    await gccSyntaxCheck(`${decls}\n${protoText}\n${d.layoutAsserts()}`);
    const out = await gccRun(`${decls}\n${bitfieldChecks(d, [bits])}`);
    assert.equal(out.trim(), "OK");
  },
});

Deno.test("cdecl: cTypeName / cPrototype spellings without a compiler", () => {
  const t = (x: Partial<CType> & Pick<CType, "kind">) => cTypeName(x as CType);
  assert.equal(
    t({ kind: "int", name: "long unsigned int", size: 8, align: 8, signed: false }),
    "long unsigned int",
  );
  assert.equal(
    t({ kind: "int", name: "__int128 unsigned", size: 16, align: 16, signed: false }),
    "__int128 unsigned",
  );
  assert.equal(t({ kind: "int", name: "char", size: 1, align: 1, signed: true }), "signed char");
  assert.equal(t({ kind: "int", name: "char", size: 1, align: 1, signed: false }), "unsigned char");
  assert.equal(t({ kind: "int", name: "u32", size: 4, align: 4, signed: false }), "unsigned int");
  assert.equal(t({ kind: "int", name: "long", size: 4, align: 4, signed: true }), "int"); // not LP64 long
  assert.equal(
    t({ kind: "int", name: "_Bool", size: 1, align: 1, signed: false, bool: true }),
    "_Bool",
  );
  assert.equal(
    t({ kind: "int", name: "bool", size: 1, align: 1, signed: false, bool: true }),
    "_Bool",
  );
  assert.equal(t({ kind: "int", name: "s64", size: 8, align: 8, signed: true }), "long long");
  assert.equal(t({ kind: "float", name: "long double", size: 16, align: 16 }), "long double");
  assert.equal(t({ kind: "float", name: "f32", size: 4, align: 4 }), "float");
  assert.equal(t({ kind: "ptr", name: "struct sock *", size: 8, align: 8 }), "struct sock *");
  assert.equal(t({ kind: "ptr", name: "const char*", size: 8, align: 8 }), "const char *");
  assert.equal(t({ kind: "ptr", name: "int (*)[4]", size: 8, align: 8 }), "void *");
  assert.equal(t({ kind: "ptr", name: "atomic_t *", size: 8, align: 8 }), "void *");
  assert.equal(
    t({ kind: "enum", name: "enum bpf_cmd", size: 4, align: 4, signed: false }),
    "enum bpf_cmd",
  );
  assert.equal(
    cTypeName({
      kind: "array",
      name: "int[2][3]",
      elem: { kind: "array", name: "int[3]", elem: int, count: 3, size: 12, align: 4 },
      count: 2,
      size: 24,
      align: 4,
    }),
    "int[2][3]",
  );
  assert.throws(
    () => t({ kind: "int", name: "weird", size: 3, align: 1, signed: true }),
    /no C integer type of size 3/,
  );

  const s = rec("struct", "struct s", 16, 8, [mem("a", long, 0), mem("b", long, 8)]);
  assert.equal(cPrototype(proto("f", long, [["a", s], ["b", int]])), "long f(struct s a, int b)");
  assert.equal(cPrototype(proto("f", null, [])), "void f(void)");
  assert.equal(cPrototype(proto("f", int, [["n", int]], true), "g"), "int g(int n, ...)");
  assert.equal(
    cPrototype(
      proto("f", { kind: "ptr", name: "char *", size: 8, align: 8 }, [["int", int], ["x", int], [
        "x",
        int,
      ]]),
    ),
    "char *f(int arg0, int x, int arg2)",
  );
  assert.throws(
    () =>
      cPrototype({
        ...proto("f", int, []),
        unsupported: "arg0 type 'struct foo' is a forward declaration (FWD)",
      }),
    /unsupported: arg0 type/,
  );
  // Unsupported prototypes are skipped by cDeclarations.
  assert.equal(cDeclarations([{ ...proto("f", s, []), unsupported: "x" }]), "\n");
  assert.match(
    cDeclarations([proto("f", s, [])]),
    /^struct s;\nstruct s \{\n\tlong a;\n\tlong b;\n\};\n$/,
  );
  // A member below its alignment in a record not marked packed cannot be reproduced.
  const bad = rec("struct", "struct bad", 8, 4, [mem("a", char, 0), mem("b", int, 1)]);
  assert.throws(() => cDeclarations([proto("f", bad, [])]), /below its alignment/);
});

const VMLINUX = "/sys/kernel/btf/vmlinux";
let haveVmlinux = false;
try {
  haveVmlinux = Deno.statSync(VMLINUX).isFile;
} catch {
  console.warn(`real-kernel cdecl test skipped: ${VMLINUX} not present`);
}

Deno.test({
  name: "cdecl: declarations for every real-kernel prototype compile with gcc (layout asserts)",
  ignore: missing !== null || !haveVmlinux,
  async fn() {
    const btf = parseBtf(Deno.readFileSync(VMLINUX));
    const ps = allPrototypes(btf).filter((p) => !p.unsupported);
    const d = new CDecls(ps);
    // Kernel FUNC names repeat (static functions) and shadow builtins: number them.
    const protos = ps.map((p, i) => `${d.prototype(p, `f${i}`)};`).join("\n");
    await gccSyntaxCheck(`${d.declarations()}\n${protos}\n${d.layoutAsserts()}`);
  },
});
