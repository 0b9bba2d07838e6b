/**
 * Adapting corpus layouts to a target compiler's data layout before the
 * oracle compiles them. The corpus is LP64 as the x86-64/arm64 kernels lay it
 * out; where a compiler disagrees on a fundamental alignment (GCC 12 on s390x:
 * `_Alignof(__int128) == 8`), the types are laid out again the way that
 * compiler will, so that the layout assertions hold and byte masks line up.
 *
 * @module
 */

import type { CType, Member, Prototype } from "../../corpus/types.ts";

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** The prototype with every `__int128` (and records holding one) at `int128Align`. */
export function withInt128Align(proto: Prototype, int128Align: number): Prototype {
  const memo = new Map<CType, CType>();
  const fix = (t: CType): CType => {
    const hit = memo.get(t);
    if (hit) return hit;
    let out: CType = t;
    if (t.kind === "int" && t.size === 16) {
      out = { ...t, align: int128Align };
    } else if (t.kind === "array") {
      const elem = fix(t.elem);
      out = elem === t.elem ? t : { ...t, elem, align: elem.align };
    } else if ((t.kind === "struct" || t.kind === "union") && !t.packed) {
      const members = t.members.map((m) => ({ ...m, type: fix(m.type) }));
      if (members.some((m, i) => m.type !== t.members[i].type)) out = relayout(t, members);
    }
    memo.set(t, out);
    return out;
  };
  const params = proto.params.map((p) => ({ ...p, type: fix(p.type) }));
  const changed = params.some((p, i) => p.type !== proto.params[i].type);
  return changed ? { ...proto, params, ret: proto.ret ? fix(proto.ret) : null } : proto;
}

/** Natural re-layout of a record whose member types changed alignment (no bitfields expected). */
function relayout(t: CType & { kind: "struct" | "union" }, members: Member[]): CType {
  let offset = 0, size = 0, align = 1;
  const laid = members.map((m) => {
    align = Math.max(align, m.type.align);
    const at = t.kind === "union" ? 0 : alignUp(offset, m.type.align);
    offset = at + m.type.size;
    size = Math.max(size, offset);
    return { ...m, offset: at };
  });
  return { ...t, members: laid, align, size: alignUp(size, align) };
}
