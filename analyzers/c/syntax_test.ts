import assert from "node:assert/strict";
import {
  assignmentsIn,
  callsIn,
  comparisonsIn,
  functionEnclosing,
  functionNamed,
  ifsIn,
  macroDefinitions,
  parseC,
  returnsIn,
} from "./syntax.ts";
import { evalInt, evalIntText, intLiteral, macroConstants } from "./consteval.ts";
import { linux61 } from "./linux61.ts";

const SRC = `#define LIMIT (MAX_ARGS - 6)
#define SHIFTED (1 << 3)
#define EMIT1(b) do { *prog++ = (b); } while (0)

static int __maybe_unused count(const struct m *m)
{
	int i, n = m->nr_args;

	for (i = 0; i < m->nr_args; i++)
		if (m->arg_flags[i] & FLAG)
			n += (m->arg_size[i] + 7) / 8 - 1;
	return n;
}

int check(const struct m *m)
{
	if (count(m) > LIMIT)
		return -ENOTSUPP;
	EMIT1(0x55);
	return 0;
}
`;

Deno.test("functions, line ranges and the function enclosing a hunk", async () => {
  const f = await parseC(SRC);
  assert.deepEqual(f.functions.map((x) => [x.name, x.start, x.end]), [
    ["count", 5, 13],
    ["check", 15, 21],
  ]);
  assert.equal(functionEnclosing(f, 9, 10)?.name, "count");
  assert.equal(functionEnclosing(f, 1, 3), null);
  assert.equal(functionEnclosing(f, 12, 17)?.name, "count");
});

Deno.test("calls, ifs, comparisons, returns, assignments", async () => {
  const f = await parseC(SRC);
  const check = functionNamed(f, "check")!;
  assert.deepEqual(callsIn(check.body).map((c) => [c.name, c.args.length, c.line]), [
    ["count", 1, 17],
    ["EMIT1", 1, 19],
  ]);
  const [i] = ifsIn(check.body);
  assert.equal(i.condition.text, "count(m) > LIMIT");
  const [cmp] = comparisonsIn(i.condition);
  assert.deepEqual([cmp.op, cmp.left.text, cmp.right.text], [">", "count(m)", "LIMIT"]);
  assert.deepEqual(returnsIn(check.body).map((r) => r.value?.text), ["-ENOTSUPP", "0"]);
  const count = functionNamed(f, "count")!;
  assert.deepEqual(
    assignmentsIn(count.body).map((a) => [a.target, a.op]),
    [["n", "="], ["i", "="], ["n", "+="]],
  );
});

Deno.test("macros and constant expressions", async () => {
  const f = await parseC(SRC);
  const macros = macroDefinitions(f);
  assert.deepEqual(macros.get("EMIT1")?.params, ["b"]);
  assert.equal(macros.get("LIMIT")?.body, "(MAX_ARGS - 6)");
  const consts = await macroConstants(macros, { MAX_ARGS: 12 });
  assert.equal(consts.get("LIMIT"), 6);
  assert.equal(consts.get("SHIFTED"), 8);
  assert.equal(consts.has("EMIT1"), false);
  assert.equal(intLiteral("0x18"), 24);
  assert.equal(intLiteral("12UL"), 12);
  assert.equal(intLiteral("1.5"), null);
  assert.equal(await evalIntText("(7 + 9) / 8 * 2 - (3 > 1 ? 4 : 5)"), 0);
  assert.equal(await evalIntText("sizeof(int)"), null);
  assert.equal(await evalIntText("x + 1", (n) => (n === "x" ? 41 : null)), 42);
  const i = ifsIn(functionNamed(f, "check")!.body)[0];
  assert.equal(evalInt(comparisonsIn(i.condition)[0].right, (n) => consts.get(n) ?? null), 6);
});

Deno.test("kernel C with macros parses into functions despite ERROR nodes (real 6.1 x86 JIT)", async () => {
  const f = await parseC(await linux61("arch/x86/net/bpf_jit_comp.c"));
  for (
    const name of ["save_regs", "restore_regs", "invoke_bpf_prog", "arch_prepare_bpf_trampoline"]
  ) {
    assert.ok(functionNamed(f, name), `${name} found`);
  }
  const tramp = functionNamed(f, "arch_prepare_bpf_trampoline")!;
  assert.ok(tramp.end - tramp.start > 100);
});

Deno.test("bad input: empty and garbage text give an empty file, not a crash", async () => {
  assert.deepEqual((await parseC("")).functions, []);
  const g = await parseC("}}}{{ int ( ;; #define");
  assert.deepEqual(g.functions, []);
  assert.ok(g.errors > 0);
});
