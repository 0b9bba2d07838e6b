import assert from "node:assert/strict";
import { type Btf, BTF_INT_BOOL, BTF_INT_SIGNED, BtfError, BtfKind, parseBtf } from "./parse.ts";
import { ctypeOf, protoFromFunc, UnsupportedTypeError } from "./ctype.ts";
import { BtfBuilder, toBigEndian } from "./testdata/builder.ts";
import { buildBpfBtf, buildModuleBtf, buildTypesBtf, missingTools } from "./testdata/tools.ts";

const missing = missingTools();
const ignoreTools = missing !== null;
if (missing) console.warn(`BTF tool tests skipped: ${missing}`);

function kindsOf(btf: Btf): Set<string> {
  const s = new Set<string>();
  for (let id = 1; id < btf.count; id++) s.add(btf.kindName(id));
  return s;
}

Deno.test({
  name: "parse: pahole BTF of types.c decodes every kind it holds",
  ignore: ignoreTools,
  async fn() {
    const btf = parseBtf(await buildTypesBtf());
    assert.equal(btf.header.version, 1);
    assert.equal(btf.bigEndian, false);
    assert.equal(btf.startId, 1);
    const kinds = kindsOf(btf);
    for (
      const k of [
        "INT",
        "PTR",
        "ARRAY",
        "STRUCT",
        "UNION",
        "ENUM",
        "FWD",
        "TYPEDEF",
        "VOLATILE",
        "CONST",
        "FUNC",
        "FUNC_PROTO",
        "FLOAT",
        "DECL_TAG",
        "TYPE_TAG",
        "ENUM64",
      ]
    ) assert.ok(kinds.has(k), `kind ${k} present`);

    // INT encodings.
    const bool = btf.byName("_Bool", BtfKind.INT);
    assert.equal(btf.intEncoding(bool) & BTF_INT_BOOL, BTF_INT_BOOL);
    assert.equal(btf.size(bool), 1);
    const int = btf.byName("int", BtfKind.INT);
    assert.equal(btf.intEncoding(int), BTF_INT_SIGNED);
    assert.equal(btf.intBits(int), 32);
    assert.equal(btf.intOffset(int), 0);
    assert.equal(btf.intEncoding(btf.byName("unsigned int", BtfKind.INT)), 0);
    const i128 = btf.byName("__int128", BtfKind.INT);
    assert.equal(btf.size(i128), 16);
    assert.equal(btf.intBits(i128), 128);
    assert.equal(btf.size(btf.byName("long double", BtfKind.FLOAT)), 16);

    // Enums: signedness in kind_flag; ENUM64 for 64-bit values.
    const sgn = btf.byName("tp_signed", BtfKind.ENUM);
    assert.equal(btf.kflag(sgn), true);
    assert.deepEqual(btf.enumerators(sgn), [{ name: "TP_NEG", value: -3n }, {
      name: "TP_POS",
      value: 4n,
    }]);
    const color = btf.byName("tp_color", BtfKind.ENUM);
    assert.equal(btf.kflag(color), false);
    assert.deepEqual(btf.enumerators(color).map((e) => e.value), [0n, 5n, 6n]);
    const big = btf.byName("tp_big64", BtfKind.ENUM64);
    assert.equal(btf.size(big), 8);
    assert.deepEqual(btf.enumerators(big).map((e) => e.value), [1n, 0x123456789n]);
    const sbig = btf.byName("tp_sbig64", BtfKind.ENUM64);
    assert.equal(btf.kflag(sbig), true);
    assert.deepEqual(btf.enumerators(sbig).map((e) => e.value), [-5n, 0x100000000n]);
    assert.equal(btf.size(btf.byName("tp_small", BtfKind.ENUM)), 1);

    // Bitfields: kind_flag struct, bit offsets and sizes.
    const bits = btf.byName("tp_bits", BtfKind.STRUCT);
    assert.equal(btf.kflag(bits), true);
    assert.deepEqual(
      btf.members(bits).map((m) => [m.name, m.bitOffset, m.bitSize]),
      [
        ["a", 0, 3],
        ["b", 3, 5],
        ["c", 8, 7],
        ["d", 15, 40],
        ["e", 56, 0],
        ["f", 64, 1],
        ["g", 65, 1],
        ["h", 66, 33],
      ],
    );
    assert.equal(btf.memberBitSize(bits, 3), 40);
    assert.equal(btf.memberName(bits, 4), "e");

    // Anonymous members and FWD.
    const nested = btf.byName("tp_nested", BtfKind.STRUCT);
    const nm = btf.members(nested);
    assert.equal(nm[1].name, "");
    assert.equal(btf.kind(nm[1].type), BtfKind.STRUCT);
    assert.equal(btf.name(nm[1].type), "");
    assert.equal(btf.kflag(btf.byName("tp_opaque", BtfKind.FWD)), false);

    // Typedef chain with const/volatile.
    const vc = btf.byName("tp_vcmyint", BtfKind.TYPEDEF);
    assert.equal(btf.kind(btf.type(vc)), BtfKind.VOLATILE);
    assert.equal(btf.skipModifiers(vc), int);

    // Tags.
    const tag = btf.byName("user", BtfKind.TYPE_TAG);
    assert.equal(btf.type(tag), int);
    const my = btf.byName("my_tag", BtfKind.DECL_TAG);
    assert.equal(btf.type(my), btf.byName("tp_tagged", BtfKind.STRUCT));
    assert.equal(btf.declTagComponent(my), 1);
    const argTag = btf.byName("arg_tag", BtfKind.DECL_TAG);
    assert.equal(btf.kind(btf.type(argTag)), BtfKind.FUNC);
    assert.equal(btf.declTagComponent(argTag), 0);

    // FUNCs, FUNC_PROTO params, variadic marker.
    const funcs = [...btf.funcs()];
    const byName = new Map(funcs.map((f) => [f.name, f]));
    for (
      const n of [
        "tp_fentry_like",
        "tp_variadic",
        "tp_many13",
        "tp_ret_struct",
        "tp_struct_args",
        "tp_int128",
        "tp_ptrs",
      ]
    ) assert.ok(byName.has(n), `FUNC ${n}`);
    const f1 = byName.get("tp_fentry_like")!;
    assert.equal(f1.linkage, "static"); // pahole 1.24 encodes every FUNC as static
    assert.equal(btf.kind(f1.proto), BtfKind.FUNC_PROTO);
    assert.deepEqual(btf.params(f1.proto), [{ name: "a", type: int }]);
    assert.equal(btf.type(f1.proto), int);
    const va = btf.params(byName.get("tp_variadic")!.proto);
    assert.equal(va.length, 2);
    assert.deepEqual(va[1], { name: "", type: 0 });
    assert.equal(btf.params(byName.get("tp_many13")!.proto).length, 13);
    assert.equal(btf.findByName("no_such_type").length, 0);
    assert.throws(() => btf.byName("no_such_type"), BtfError);
  },
});

Deno.test({
  name: "parse: clang -target bpf BTF: VAR, DATASEC, RESTRICT, TYPE_TAG, linkage",
  ignore: ignoreTools,
  async fn() {
    const btf = parseBtf(await buildBpfBtf());
    const kinds = kindsOf(btf);
    for (const k of ["VAR", "DATASEC", "RESTRICT", "TYPE_TAG", "DECL_TAG", "FLOAT", "FUNC"]) {
      assert.ok(kinds.has(k), `kind ${k} present`);
    }
    const link = new Map([...btf.funcs()].map((f) => [f.name, f.linkage]));
    assert.equal(link.get("bp_static_fn"), "static");
    assert.equal(link.get("bp_global_fn"), "global");
    assert.equal(link.get("bp_extern_fn"), "extern");
    const gv = btf.byName("bp_global_var", BtfKind.VAR);
    assert.equal(btf.varLinkage(gv), "global");
    assert.equal(btf.varLinkage(btf.byName("bp_static_var", BtfKind.VAR)), "static");
    const data = btf.byName(".data", BtfKind.DATASEC);
    const sec = btf.secinfo(data);
    assert.ok(sec.some((s) => s.type === gv && s.size === 4));
    const rec = btf.byName("bp_rec", BtfKind.STRUCT);
    assert.equal(btf.kflag(rec), true);
    const p = protoFromFunc(btf, btf.byName("bp_static_fn", BtfKind.FUNC));
    assert.deepEqual(p.params.map((x) => x.type.name), ["int *", "char *"]);
    assert.equal(p.unsupported, null);
  },
});

Deno.test({
  name: "parse: split BTF continues the base's type ids and strings",
  ignore: ignoreTools,
  async fn() {
    const { base: baseBytes, split } = await buildModuleBtf();
    const base = parseBtf(baseBytes);
    assert.throws(() => parseBtf(split), BtfError); // its ids/strings need the base
    const mod = parseBtf(split, base);
    assert.equal(mod.startId, base.count);
    assert.ok(mod.count > base.count);
    const fns = [...mod.funcs()];
    assert.deepEqual(fns.map((f) => f.name), ["tp_mod_func"]);
    const p = protoFromFunc(mod, fns[0].id);
    assert.deepEqual(p.params.map((x) => [x.name, x.type.name]), [
      ["m", "struct tp_mod_only *"],
      ["p", "struct tp_pair"],
      ["s", "enum tp_signed"],
    ]);
    const only = mod.byName("tp_mod_only", BtfKind.STRUCT);
    assert.ok(only >= mod.startId);
    const t = ctypeOf(mod, only);
    assert.equal(t.kind, "struct");
    if (t.kind !== "struct") return;
    assert.equal(t.size, 24);
    assert.deepEqual(t.members.map((m) => [m.name, m.type.name, m.offset]), [
      ["pair", "struct tp_pair", 0],
      ["color", "enum tp_color", 16],
      ["tail", "unsigned short", 20],
    ]);
    // Base types are found through the split object too.
    assert.equal(mod.byName("tp_pair", BtfKind.STRUCT), base.byName("tp_pair", BtfKind.STRUCT));
  },
});

Deno.test({
  name: "parse: big-endian BTF decodes the same as little-endian",
  ignore: ignoreTools,
  async fn() {
    const leBytes = await buildTypesBtf();
    const le = parseBtf(leBytes);
    const be = parseBtf(toBigEndian(leBytes));
    assert.equal(be.bigEndian, true);
    assert.equal(be.count, le.count);
    for (let id = 1; id < le.count; id++) {
      assert.equal(be.kind(id), le.kind(id));
      assert.equal(be.name(id), le.name(id));
      assert.equal(be.size(id), le.size(id));
      const k = le.kind(id);
      if (k === BtfKind.STRUCT || k === BtfKind.UNION) {
        assert.deepEqual(be.members(id), le.members(id));
      }
      if (k === BtfKind.FUNC_PROTO) assert.deepEqual(be.params(id), le.params(id));
      if (k === BtfKind.ENUM || k === BtfKind.ENUM64) {
        assert.deepEqual(be.enumerators(id), le.enumerators(id));
      }
    }
  },
});

Deno.test("parse: hand-built BTF in both byte orders", () => {
  const b = new BtfBuilder();
  const int = b.int("int", 4, BTF_INT_SIGNED);
  const e = b.enum64("e64", [["A", -2n], ["B", 1n << 40n]], true);
  const s = b.record("struct", "s", 8, [{ name: "x", type: int, off: 0 }, {
    name: "y",
    type: e,
    off: 32,
    bitSize: 3,
  }]);
  const fp = b.funcProto(int, [{ name: "a", type: s }, { name: "", type: 0 }]);
  b.func("f", fp, 1);
  for (const bigEndian of [false, true]) {
    const btf = parseBtf(b.bytes({ bigEndian }));
    assert.equal(btf.bigEndian, bigEndian);
    assert.deepEqual(btf.enumerators(e), [{ name: "A", value: -2n }, {
      name: "B",
      value: 1n << 40n,
    }]);
    assert.deepEqual(btf.members(s)[1], { name: "y", type: e, bitOffset: 32, bitSize: 3 });
    assert.deepEqual([...btf.funcs()], [{ id: 5, name: "f", proto: fp, linkage: "global" }]);
  }
});

function throwsBtf(f: () => unknown, re: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof BtfError, `expected BtfError, got ${e}`);
    assert.match(e.message, re);
    return true;
  });
}

Deno.test("parse: bad input is a specific BtfError", () => {
  const b = new BtfBuilder();
  const int = b.int("int", 4, BTF_INT_SIGNED);
  b.ptr(int);
  const good = b.bytes();
  parseBtf(good);

  throwsBtf(() => parseBtf(new Uint8Array(0)), /truncated: 0 bytes/);
  throwsBtf(() => parseBtf(good.slice(0, 10)), /truncated: 10 bytes/);
  const magic = good.slice();
  magic[0] = 0x12;
  throwsBtf(() => parseBtf(magic), /bad BTF magic 0x12eb/);
  const ver = good.slice();
  ver[2] = 2;
  throwsBtf(() => parseBtf(ver), /unsupported BTF version 2/);
  // Truncated file: sections run past the end.
  throwsBtf(() => parseBtf(good.slice(0, good.length - 3)), /string section .* out of range/);
  throwsBtf(() => parseBtf(good.slice(0, 30)), /type section .* out of range/);
  // Header length / offsets out of range.
  const hdr = good.slice();
  new DataView(hdr.buffer).setUint32(4, 1 << 20, true);
  throwsBtf(() => parseBtf(hdr), /bad BTF header length/);
  const toff = good.slice();
  new DataView(toff.buffer).setUint32(8, 0xfffffff0, true);
  throwsBtf(() => parseBtf(toff), /type section .* out of range/);
  const soff = good.slice();
  new DataView(soff.buffer).setUint32(16, 0x7fffffff, true);
  throwsBtf(() => parseBtf(soff), /string section .* out of range/);
  // Type section length not a whole record.
  const tlen = good.slice();
  new DataView(tlen.buffer).setUint32(12, 14, true);
  throwsBtf(() => parseBtf(tlen), /record truncated|past the end/);
  // String section not NUL-terminated.
  const nul = good.slice();
  nul[nul.length - 1] = 0x41;
  throwsBtf(() => parseBtf(nul), /not NUL-terminated/);

  // Type id out of range in a reference.
  const r = new BtfBuilder();
  r.int("int", 4, BTF_INT_SIGNED);
  r.ptr(99);
  throwsBtf(() => parseBtf(r.bytes()), /type id 2 \(PTR\) references type id 99, out of range/);
  const rm = new BtfBuilder();
  rm.record("struct", "s", 4, [{ name: "a", type: 7, off: 0 }]);
  throwsBtf(() => parseBtf(rm.bytes()), /type id 1 \(STRUCT\) references type id 7/);
  // Unknown kind, vlen past the end, name offset out of range, bad INT.
  const uk = new BtfBuilder();
  uk.raw("", 25, 0, false, 0);
  throwsBtf(() => parseBtf(uk.bytes()), /unknown BTF kind 25/);
  const vl = new BtfBuilder();
  vl.raw("s", BtfKind.STRUCT, 1000, false, 4, [0, 0, 0]);
  throwsBtf(() => parseBtf(vl.bytes()), /vlen 1000.*past the end/);
  const no = new BtfBuilder();
  no.raw(5000, BtfKind.INT, 0, false, 4, [32]);
  throwsBtf(() => parseBtf(no.bytes()), /name offset 5000 out of range/);
  const bi = new BtfBuilder();
  bi.int("weird", 4, 0, 40);
  throwsBtf(() => parseBtf(bi.bytes()), /INT\): bit offset 0 \+ bits 40 exceed size 4/);

  // Accessors on ids out of range.
  const btf = parseBtf(good);
  throwsBtf(() => btf.kind(3), /type id 3 out of range/);
  throwsBtf(() => btf.name(-1), /out of range/);
  throwsBtf(() => btf.members(int), /not STRUCT\/UNION/);
  throwsBtf(() => btf.params(int), /not FUNC_PROTO/);
  throwsBtf(() => btf.str(1 << 20), /string offset .* out of range/);
  throwsBtf(() => ctypeOf(btf, 77), /type id 77 out of range/);
});

Deno.test("parse: cyclic typedefs and self-containing structs are BtfErrors, not hangs", () => {
  const b = new BtfBuilder();
  const t1 = b.typedef("a", 2); // 1 -> 2
  b.typedef("b", 1); // 2 -> 1
  const s = b.record("struct", "self", 4, [{ name: "me", type: 3, off: 0 }]); // 3 contains 3
  const c = b.const(4); // 4 -> 4
  const fp = b.funcProto(t1, []);
  const f = b.func("f", fp);
  const btf = parseBtf(b.bytes());
  throwsBtf(() => btf.skipModifiers(t1), /cyclic modifier\/typedef chain/);
  throwsBtf(() => btf.skipModifiers(c), /cyclic/);
  throwsBtf(() => ctypeOf(btf, t1), /cyclic/);
  throwsBtf(() => ctypeOf(btf, s), /contains itself by value/);
  throwsBtf(() => protoFromFunc(btf, f), /cyclic/);
  throwsBtf(() => protoFromFunc(btf, fp), /not FUNC/);
});

Deno.test({
  name: "parse: mutated BTF never crashes or hangs (BtfError or a result)",
  ignore: ignoreTools,
  async fn() {
    const bytes = await buildTypesBtf();
    let seed = 12345;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let errors = 0;
    for (let round = 0; round < 1500; round++) {
      const m = bytes.slice();
      const n = 1 + Math.floor(rnd() * 4);
      for (let i = 0; i < n; i++) {
        const at = Math.floor(rnd() * m.length);
        m[at] = rnd() < 0.5 ? Math.floor(rnd() * 256) : m[at] ^ (1 << Math.floor(rnd() * 8));
      }
      const cut = rnd() < 0.1 ? m.subarray(0, Math.floor(rnd() * m.length)) : m;
      try {
        const btf = parseBtf(cut);
        for (const fn of btf.funcs()) {
          try {
            protoFromFunc(btf, fn.id);
          } catch (e) {
            if (!(e instanceof BtfError)) throw e;
          }
        }
        for (let id = 1; id < btf.count; id++) {
          try {
            ctypeOf(btf, id);
          } catch (e) {
            if (!(e instanceof BtfError) && !(e instanceof UnsupportedTypeError)) throw e;
          }
        }
      } catch (e) {
        if (!(e instanceof BtfError)) throw e;
        errors++;
      }
    }
    assert.ok(errors > 0);
  },
});
