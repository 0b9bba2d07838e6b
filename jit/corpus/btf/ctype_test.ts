import assert from "node:assert/strict";
import type { CType, Member, Prototype, RecordType } from "../types.ts";
import { BTF_INT_BOOL, BTF_INT_SIGNED, BtfKind, parseBtf } from "./parse.ts";
import {
  allPrototypes,
  ctypeOf,
  inferRecordLayout,
  naturalAlign,
  protoFromFunc,
  resolverFor,
  UNSUPPORTED_PARAM_TYPE,
  UnsupportedTypeError,
} from "./ctype.ts";
import { BtfBuilder } from "./testdata/builder.ts";
import { buildTypesBtf, groundTruth, missingTools } from "./testdata/tools.ts";

const missing = missingTools();
if (missing) console.warn(`BTF tool tests skipped: ${missing}`);

/** Flattens anonymous members: name → member with offsets relative to the outer record. */
function flatMembers(
  t: RecordType,
  base = 0,
  out = new Map<string, Member>(),
): Map<string, Member> {
  for (const m of t.members) {
    if (m.name === "" && (m.type.kind === "struct" || m.type.kind === "union")) {
      flatMembers(m.type, base + m.offset, out);
    } else {
      out.set(m.name, {
        ...m,
        offset: base + m.offset,
        bitOffset: m.bitOffset === null ? null : m.bitOffset + base * 8,
      });
    }
  }
  return out;
}

function typeByGtName(btf: ReturnType<typeof parseBtf>, gtName: string): CType {
  const m = /^(struct|union|enum) (\w+)$/.exec(gtName);
  if (!m) return ctypeOf(btf, btf.byName(gtName, BtfKind.TYPEDEF));
  const kinds: number[] = m[1] === "struct"
    ? [BtfKind.STRUCT]
    : m[1] === "union"
    ? [BtfKind.UNION]
    : [BtfKind.ENUM, BtfKind.ENUM64];
  const ids = btf.findByName(m[2]).filter((id) => kinds.includes(btf.kind(id)));
  assert.ok(ids.length > 0, `BTF has ${gtName}`);
  return ctypeOf(btf, ids[0]);
}

Deno.test({
  name: "ctype: sizes, alignments, offsets and bitfields match gcc's ground truth",
  ignore: missing !== null,
  async fn() {
    const btf = parseBtf(await buildTypesBtf());
    const gt = await groundTruth();
    assert.ok(Object.keys(gt).length >= 25);
    for (const [name, want] of Object.entries(gt)) {
      const t = typeByGtName(btf, name);
      assert.equal(t.size, want.size, `${name} size`);
      assert.equal(t.align, want.align, `${name} align`);
      if (t.kind === "enum") {
        assert.equal(t.signed, want.signed, `${name} signedness`);
        continue;
      }
      assert.ok(t.kind === "struct" || t.kind === "union", name);
      const flat = flatMembers(t);
      for (const [mn, w] of Object.entries(want.members)) {
        const m = flat.get(mn);
        assert.ok(m, `${name}.${mn} present`);
        if (w.bitSize !== undefined) {
          assert.equal(m.bitOffset, w.bitOffset, `${name}.${mn} bit offset`);
          assert.equal(m.bitSize, w.bitSize, `${name}.${mn} bit size`);
          assert.equal(m.offset, Math.floor(w.bitOffset! / 8), `${name}.${mn} byte offset`);
        } else {
          assert.equal(m.offset, w.offset, `${name}.${mn} offset`);
          assert.equal(m.bitOffset, null);
          assert.equal(m.bitSize, null);
        }
      }
    }
  },
});

Deno.test({
  name: "ctype: packed/aligned inference, ints, enums, floats, arrays, anonymous members",
  ignore: missing !== null,
  async fn() {
    const btf = parseBtf(await buildTypesBtf());
    const rec = (n: string) => {
      const t = typeByGtName(btf, n);
      assert.ok(t.kind === "struct" || t.kind === "union");
      return t;
    };
    const layout = (n: string) => {
      const t = rec(n);
      return [t.size, t.align, t.packed];
    };
    assert.deepEqual(layout("struct tp_packed"), [13, 1, true]);
    assert.deepEqual(layout("struct tp_packed_tail"), [9, 1, true]);
    assert.deepEqual(layout("struct tp_al16"), [16, 16, false]);
    assert.deepEqual(layout("struct tp_member_al"), [32, 16, false]);
    assert.deepEqual(layout("struct tp_has_packed"), [16, 2, false]);
    assert.deepEqual(layout("struct tp_i128"), [48, 16, false]);
    assert.deepEqual(layout("struct tp_int128_only"), [16, 16, false]);
    assert.deepEqual(layout("struct tp_bits"), [16, 8, false]);
    assert.deepEqual(layout("union tp_union"), [16, 8, false]);
    assert.deepEqual(layout("struct tp_flex"), [8, 8, false]);

    const ints = flatMembers(rec("struct tp_ints"));
    const it = (n: string) => ints.get(n)!.type;
    assert.deepEqual(it("b"), {
      kind: "int",
      name: "_Bool",
      size: 1,
      align: 1,
      signed: false,
      bool: true,
    });
    assert.deepEqual(it("ul"), {
      kind: "int",
      name: "unsigned long",
      size: 8,
      align: 8,
      signed: false,
    });
    assert.deepEqual(it("sc"), {
      kind: "int",
      name: "signed char",
      size: 1,
      align: 1,
      signed: true,
    });
    assert.deepEqual(it("us"), {
      kind: "int",
      name: "unsigned short",
      size: 2,
      align: 2,
      signed: false,
    });
    const i128 = flatMembers(rec("struct tp_i128"));
    assert.deepEqual(i128.get("v")!.type, {
      kind: "int",
      name: "__int128",
      size: 16,
      align: 16,
      signed: true,
    });
    assert.equal((i128.get("u")!.type as { signed: boolean }).signed, false);

    const fl = flatMembers(rec("struct tp_floats"));
    assert.deepEqual(fl.get("ld")!.type, {
      kind: "float",
      name: "long double",
      size: 16,
      align: 16,
    });
    assert.deepEqual(fl.get("f")!.type, { kind: "float", name: "float", size: 4, align: 4 });

    const en = flatMembers(rec("struct tp_enums"));
    assert.deepEqual(en.get("big")!.type, {
      kind: "enum",
      name: "enum tp_big64",
      size: 8,
      align: 8,
      signed: false,
    });
    assert.equal((en.get("sbig")!.type as { signed: boolean }).signed, true);
    assert.equal((en.get("sgn")!.type as { signed: boolean }).signed, true);
    assert.equal(en.get("small")!.type.size, 1);

    const arr = flatMembers(rec("struct tp_arrays"));
    const m = arr.get("m")!.type;
    assert.equal(m.kind, "array");
    assert.equal(m.size, 24); // pahole flattens int[2][3] into int[6]
    const names = arr.get("names")!.type;
    assert.ok(names.kind === "array" && names.count === 4 && names.elem.kind === "ptr");
    assert.equal(names.elem.name, "char *");
    const pairs = arr.get("pairs")!.type;
    assert.ok(pairs.kind === "array" && pairs.elem.kind === "struct" && pairs.size === 16);
    const flex = flatMembers(rec("struct tp_flex")).get("data")!.type;
    assert.ok(flex.kind === "array" && flex.count === 0 && flex.size === 0 && flex.align === 8);

    const nested = rec("struct tp_nested");
    assert.equal(nested.members[1].name, "");
    assert.equal(nested.members[1].type.kind, "struct");
    assert.match(nested.members[1].type.name, /^struct __anon_\d+$/);
    assert.equal(nested.members[2].name, "named");

    const td = flatMembers(rec("struct tp_typedefs"));
    assert.deepEqual(td.get("a")!.type, {
      kind: "int",
      name: "int",
      size: 4,
      align: 4,
      signed: true,
    });
    assert.equal(td.get("p")!.type.name, "const volatile char *");
    assert.equal(td.get("ip")!.type.name, "tp_ints_t *");
    assert.equal(td.get("an")!.type.kind, "struct");
    // Memoised: one object per type id.
    const id = btf.byName("tp_pair", BtfKind.STRUCT);
    assert.equal(ctypeOf(btf, id), ctypeOf(btf, id));
  },
});

Deno.test({
  name: "ctype: prototypes of types.c (variadic, 13 params, struct return, pointers)",
  ignore: missing !== null,
  async fn() {
    const btf = parseBtf(await buildTypesBtf());
    const protos = new Map(allPrototypes(btf).map((p) => [p.name, p]));
    const p = (n: string): Prototype => {
      const x = protos.get(n);
      assert.ok(x, n);
      return x;
    };
    for (const x of protos.values()) assert.equal(x.unsupported, null, x.name);
    assert.deepEqual(p("tp_fentry_like"), {
      name: "tp_fentry_like",
      source: "real",
      ret: { kind: "int", name: "int", size: 4, align: 4, signed: true },
      params: [{ name: "a", type: { kind: "int", name: "int", size: 4, align: 4, signed: true } }],
      variadic: false,
      unsupported: null,
    });
    assert.equal(p("tp_variadic").variadic, true);
    assert.deepEqual(p("tp_variadic").params.map((x) => x.name), ["n"]);
    const m13 = p("tp_many13");
    assert.equal(m13.params.length, 13);
    assert.deepEqual(
      m13.params.map((x) => x.name),
      Array.from({ length: 13 }, (_, i) => `a${i + 1}`),
    );
    assert.deepEqual(m13.params.map((x) => x.type.size), [4, 8, 1, 2, 4, 8, 8, 8, 1, 1, 1, 8, 8]);
    assert.equal(m13.params[10].type.kind === "int" && m13.params[10].type.bool, true);
    const rs = p("tp_ret_struct").ret!;
    assert.ok(rs.kind === "struct" && rs.name === "struct tp_pair" && rs.size === 16);
    assert.equal(p("tp_void_ret").ret, null);
    assert.deepEqual(p("tp_void_ret").params.map((x) => [x.type.kind, x.type.size]), [
      ["int", 4],
      ["struct", 4],
      ["int", 1],
    ]);
    assert.deepEqual(p("tp_ptrs").params.map((x) => x.type.name), [
      "struct tp_opaque *",
      "const char *",
      "long (*)(int, void *)",
      "int *",
      "int (*)[4]",
      "void **",
    ]);
    assert.ok(p("tp_ptrs").params.every((x) => x.type.kind === "ptr" && x.type.size === 8));
    assert.deepEqual(p("tp_union_arg").params[0].type.kind, "union");
    assert.deepEqual(p("tp_int128").params.map((x) => [x.type.name, x.type.size, x.type.align]), [
      ["__int128", 16, 16],
      ["unsigned __int128", 16, 16],
      ["int", 4, 4],
    ]);
    assert.equal(protoFromFunc(btf, btf.byName("tp_fentry_like"), "selftest").source, "selftest");
  },
});

Deno.test("ctype: unsupported prototypes carry a specific reason", () => {
  const b = new BtfBuilder();
  const int = b.int("int", 4, BTF_INT_SIGNED);
  const fwd = b.fwd("foo");
  const ufwd = b.fwd("ufoo", true);
  const fp = b.funcProto(int, [{ name: "x", type: int }]);
  const arr = b.array(int, int, 4);
  const cvoid = b.const(0);
  const holder = b.record("struct", "holder", 8, [{ name: "inner", type: fwd, off: 0 }]);
  const td = b.typedef("foo_t", fwd);
  const flt = b.float("double", 8);
  const boolT = b.int("_Bool", 1, BTF_INT_BOOL);
  const mk = (name: string, ret: number, params: number[]) =>
    b.func(
      name,
      b.funcProto(ret, params.map((t, i) => ({ name: i === 1 ? "" : `p${i}`, type: t }))),
    );
  const fns = {
    fwdArg: mk("fwd_arg", int, [int, int, fwd]),
    ufwdArg: mk("ufwd_arg", int, [ufwd]),
    fnArg: mk("fn_arg", int, [fp]),
    arrArg: mk("arr_arg", int, [int, arr]),
    voidMid: mk("void_mid", int, [int, 0, int]),
    constVoid: mk("const_void", int, [cvoid]),
    holderArg: mk("holder_arg", int, [holder]),
    tdArg: mk("td_arg", int, [td]),
    fwdRet: mk("fwd_ret", fwd, [int]),
    fnRet: mk("fn_ret", fp, []),
    floatOk: mk("float_ok", flt, [flt, boolT]),
    onlyVariadic: mk("only_variadic", int, [0]),
    retVoid: mk("ret_void", 0, []),
  };
  const btf = parseBtf(b.bytes());
  const pr = (id: number) => protoFromFunc(btf, id);
  assert.equal(pr(fns.fwdArg).unsupported, "arg2 type 'struct foo' is a forward declaration (FWD)");
  assert.deepEqual(pr(fns.fwdArg).params.map((p) => p.type), [
    ctypeOf(btf, int),
    ctypeOf(btf, int),
    UNSUPPORTED_PARAM_TYPE,
  ]);
  assert.equal(pr(fns.fwdArg).params[1].name, "arg1"); // unnamed param
  assert.equal(
    pr(fns.ufwdArg).unsupported,
    "arg0 type 'union ufoo' is a forward declaration (FWD)",
  );
  assert.equal(pr(fns.fnArg).unsupported, "arg0 type 'int (int)' is a function type (FUNC_PROTO)");
  assert.equal(pr(fns.arrArg).unsupported, "arg1 type 'int [4]' is an array (ARRAY)");
  assert.equal(pr(fns.voidMid).unsupported, "arg1 is void (malformed void argument)");
  assert.equal(pr(fns.voidMid).params.length, 3);
  assert.equal(pr(fns.constVoid).unsupported, "arg0 type 'const void' is void");
  assert.equal(
    pr(fns.holderArg).unsupported,
    "arg0 type 'struct holder' member 'inner': 'struct foo' is a forward declaration (FWD)",
  );
  assert.equal(
    pr(fns.tdArg).unsupported,
    "arg0 type 'foo_t': 'struct foo' is a forward declaration (FWD)",
  );
  assert.equal(
    pr(fns.fwdRet).unsupported,
    "return type 'struct foo' is a forward declaration (FWD)",
  );
  assert.equal(
    pr(fns.fnRet).unsupported,
    "return type 'int (int)' is a function type (FUNC_PROTO)",
  );
  const fo = pr(fns.floatOk);
  assert.equal(fo.unsupported, null);
  assert.deepEqual(fo.ret, { kind: "float", name: "double", size: 8, align: 8 });
  assert.deepEqual(fo.params[1].type, {
    kind: "int",
    name: "_Bool",
    size: 1,
    align: 1,
    signed: false,
    bool: true,
  });
  const ov = pr(fns.onlyVariadic);
  assert.equal(ov.variadic, true);
  assert.equal(ov.params.length, 0);
  assert.equal(ov.unsupported, null);
  assert.equal(pr(fns.retVoid).ret, null);
  assert.throws(() => ctypeOf(btf, fwd), UnsupportedTypeError);
  assert.throws(
    () => ctypeOf(btf, 0),
    (e: unknown) => e instanceof UnsupportedTypeError && e.btfKind === "UNKN",
  );
  const r = resolverFor(btf).tryCtype(fp);
  assert.ok(r instanceof UnsupportedTypeError && r.btfKind === "FUNC_PROTO");
});

Deno.test("ctype: old-style (kind_flag 0) bitfields through INT bits/offset", () => {
  const b = new BtfBuilder();
  const u3 = b.int("unsigned int", 4, 0, 3, 0);
  const i5 = b.int("int", 4, BTF_INT_SIGNED, 5, 0);
  const s = b.record("struct", "old", 4, [{ name: "a", type: u3, off: 0 }, {
    name: "b",
    type: i5,
    off: 3,
  }]);
  const t = ctypeOf(parseBtf(b.bytes()), s);
  assert.ok(t.kind === "struct");
  assert.deepEqual(t.members.map((m) => [m.name, m.offset, m.bitOffset, m.bitSize]), [
    ["a", 0, 0, 3],
    ["b", 0, 3, 5],
  ]);
});

Deno.test("ctype: layout inference rules on synthetic members", () => {
  assert.deepEqual([1, 2, 3, 4, 6, 8, 12, 16, 24, 0].map(naturalAlign), [
    1,
    2,
    1,
    4,
    2,
    8,
    4,
    16,
    8,
    1,
  ]);
  const I = (size: number): CType => ({
    kind: "int",
    name: "x",
    size,
    align: naturalAlign(size),
    signed: true,
  });
  const M = (type: CType, offset: number): Member => ({
    name: "m",
    type,
    offset,
    bitOffset: null,
    bitSize: null,
  });
  // Natural.
  assert.deepEqual(inferRecordLayout("struct", 16, [M(I(1), 0), M(I(8), 8)]), {
    align: 8,
    packed: false,
  });
  // Misaligned member → packed.
  assert.deepEqual(inferRecordLayout("struct", 9, [M(I(1), 0), M(I(8), 1)]), {
    align: 1,
    packed: true,
  });
  // Size not a multiple of the natural alignment → packed.
  assert.deepEqual(inferRecordLayout("struct", 12, [M(I(8), 0), M(I(4), 8)]), {
    align: 1,
    packed: true,
  });
  // Tail padding beyond natural → aligned(16).
  assert.deepEqual(inferRecordLayout("struct", 16, [M(I(4), 0)]), { align: 16, packed: false });
  assert.deepEqual(inferRecordLayout("union", 32, [M(I(8), 0)]), { align: 32, packed: false });
  // A hole explained by aligned(16) on a member.
  assert.deepEqual(inferRecordLayout("struct", 32, [M(I(4), 0), M(I(4), 16)]), {
    align: 16,
    packed: false,
  });
  // A hole no power of two explains (e.g. an unnamed bitfield in the source) → natural.
  assert.deepEqual(inferRecordLayout("struct", 12, [M(I(4), 0), M(I(4), 8)]), {
    align: 4,
    packed: false,
  });
  // Bitfields count for alignment but not for the packed test.
  const bf: Member = { name: "b", type: I(8), offset: 0, bitOffset: 3, bitSize: 5 };
  assert.deepEqual(inferRecordLayout("struct", 8, [bf]), { align: 8, packed: false });
  // __int128 member: 16-aligned.
  assert.deepEqual(inferRecordLayout("struct", 32, [M(I(1), 0), M(I(16), 16)]), {
    align: 16,
    packed: false,
  });
  // Empty struct.
  assert.deepEqual(inferRecordLayout("struct", 0, []), { align: 1, packed: false });
});

const VMLINUX = "/sys/kernel/btf/vmlinux";
function exists(p: string): boolean {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
}
const haveVmlinux = exists(VMLINUX);
if (!haveVmlinux) console.warn(`real-kernel BTF test skipped: ${VMLINUX} not present`);

Deno.test({
  name: "ctype: real kernel BTF (/sys/kernel/btf/vmlinux): every FUNC resolves",
  ignore: !haveVmlinux,
  fn() {
    const btf = parseBtf(Deno.readFileSync(VMLINUX));
    const funcs = btf.funcIds();
    assert.ok(funcs.length > 30000, `${funcs.length} FUNCs`);
    const protos = allPrototypes(btf);
    assert.equal(protos.length, funcs.length);
    const byName = new Map(protos.map((p) => [p.name, p]));
    const t1 = byName.get("bpf_fentry_test1");
    assert.ok(t1, "bpf_fentry_test1");
    assert.deepEqual(t1.params, [{
      name: "a",
      type: { kind: "int", name: "int", size: 4, align: 4, signed: true },
    }]);
    assert.deepEqual(t1.ret, { kind: "int", name: "int", size: 4, align: 4, signed: true });
    const t3 = byName.get("bpf_fentry_test3");
    assert.ok(t3);
    assert.deepEqual(t3.params.map((p) => [p.name, p.type.kind, p.type.size]), [
      ["a", "int", 1],
      ["b", "int", 4],
      ["c", "int", 8],
    ]);
    const t7 = byName.get("bpf_fentry_test7");
    if (t7) assert.equal(t7.params[0].type.name, "struct bpf_fentry_test_t *");
    const distinctProtos = new Set(Array.from(funcs, (id) => btf.type(id))).size;
    const variadic = protos.filter((p) => p.variadic).length;
    const unsupported = protos.filter((p) => p.unsupported);
    const over12 = protos.filter((p) => p.params.length > 12).length;
    const structArgs = protos.filter((p) =>
      p.params.some((q) =>
        q.type.kind === "struct" || q.type.kind === "union"
      )
    ).length;
    console.log(
      `vmlinux: ${
        btf.count - 1
      } types, ${funcs.length} FUNCs, ${distinctProtos} distinct FUNC_PROTOs, ` +
        `${variadic} variadic, ${unsupported.length} unsupported, ${over12} with >12 params, ` +
        `${structArgs} with struct/union args`,
    );
    for (const u of unsupported.slice(0, 5)) {
      console.log(
        `  unsupported: ${u.name}: ${u.unsupported}`,
      );
    }
  },
});
