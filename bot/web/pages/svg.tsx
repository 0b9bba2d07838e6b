/**
 * SVG drawings: the argument flow of one trampoline (caller registers and
 * stack → the trampoline's ctx array) and bar charts for the corpus page.
 * Plain server-rendered SVG; colours come from the page's CSS variables.
 *
 * @module
 */

import type { ArgPlacement, ProtoSide } from "../proto.ts";

const ROW = 22;
const TOP = 28;

/**
 * Where each argument was expected (the caller's registers and stack) and
 * which ctx slot holds it in this trampoline; arguments with a failing
 * mismatch are drawn in the error colour with the evidence as a tooltip.
 */
export function FrameDiagram(props: { placement: ArgPlacement[]; side: ProtoSide }) {
  const { placement, side } = props;
  const regs = placement.flatMap((p) => p.regs.map((r, part) => ({ r, arg: p.arg, part })));
  const byRef = placement.filter((p) => p.byRef).map((p) => ({
    r: `*${p.byRef}`,
    arg: p.arg,
    part: 0,
  }));
  const stackCells = placement.flatMap((p) =>
    p.stack.flatMap((s) => {
      const cells = [];
      for (let o = s.offset - (s.offset % 8); o < s.offset + s.bytes; o += 8) {
        cells.push({ off: o, arg: p.arg, part: Math.floor((o - p.stack[0].offset) / 8) });
      }
      return cells;
    })
  ).sort((a, b) => a.off - b.off);
  const left = [...regs, ...byRef];
  const ctx = side.ctx;
  const rows = Math.max(left.length, stackCells.length, ctx.length, 1);
  const h = TOP + rows * ROW + 10;
  const bad = new Set(side.badArgs);
  const evidence = (arg: number) =>
    side.mismatches.filter((m) => m.arg === arg && m.severity === "fail")
      .map((m) => `expected ${m.expected}; read ${m.observed}`).join("\n");
  // The `part`-th 8-byte piece of an argument lands in its `part`-th ctx slot (packed u64
  // slots, KERNEL_SPEC.md §0); a piece past the argument's last slot points at that slot.
  const ctxY = (arg: number, part: number) => {
    const idx = ctx.flatMap((c, i) => c.arg === arg ? [i] : []);
    if (idx.length === 0) return null;
    return TOP + idx[Math.min(Math.max(part, 0), idx.length - 1)] * ROW + ROW / 2;
  };
  const X1 = 4, X2 = 185, X3 = 366, W = 160;
  return (
    <svg
      class="frame"
      role="img"
      aria-label={`argument flow, ${side.label} (${side.era})`}
      width={X3 + W + 56}
      height={h}
      viewBox={`0 0 ${X3 + W + 56} ${h}`}
    >
      <text x={X1} y={16}>caller registers</text>
      <text x={X2} y={16}>caller stack (SP at call)</text>
      <text x={X3} y={16}>ctx ({side.frame ? side.frame.fp : "no frame"})</text>
      {left.map((c, i) => {
        const y = TOP + i * ROW;
        const cy = ctxY(c.arg, c.part);
        const b = bad.has(c.arg);
        return (
          <g data-arg={c.arg}>
            <rect class={b ? "box bad" : "box"} x={X1} y={y} width={W} height={ROW - 4} />
            <text x={X1 + 6} y={y + 13}>{c.r}: arg {c.arg}</text>
            {cy !== null && (
              <path
                class={b ? "link bad" : "link"}
                d={`M${X1 + W},${y + 9} C${X2 - 20},${y + 9} ${X3 - 60},${cy - 2} ${X3},${cy - 2}`}
              >
                {b && <title>{evidence(c.arg)}</title>}
              </path>
            )}
          </g>
        );
      })}
      {stackCells.map((c, i) => {
        const y = TOP + i * ROW;
        const cy = ctxY(c.arg, c.part);
        const b = bad.has(c.arg);
        return (
          <g data-arg={c.arg}>
            <rect class={b ? "box bad" : "box"} x={X2} y={y} width={W} height={ROW - 4} />
            <text x={X2 + 6} y={y + 13}>+0x{c.off.toString(16)}: arg {c.arg}</text>
            {cy !== null && (
              <path
                class={b ? "link bad" : "link"}
                d={`M${X2 + W},${y + 9} L${X3},${cy + 2}`}
              >
                {b && <title>{evidence(c.arg)}</title>}
              </path>
            )}
          </g>
        );
      })}
      {ctx.map((c, i) => {
        const y = TOP + i * ROW;
        const b = c.arg !== null && bad.has(c.arg);
        return (
          <g class="ctx-slot" data-slot={c.index}>
            <rect class={b ? "box bad" : "box"} x={X3} y={y} width={W} height={ROW - 4} />
            <text x={X3 + 6} y={y + 13}>ctx[{c.index}]: {c.label}</text>
            <text x={X3 + W + 6} y={y + 13}>fp{c.offset >= 0 ? "+" : ""}{c.offset}</text>
            {b && <title>{evidence(c.arg!)}</title>}
          </g>
        );
      })}
      {ctx.length === 0 && (
        <text x={X3} y={TOP + 13}>
          {side.status === "rejected"
            ? `no ctx: rejected (${side.errno})`
            : side.unavailable
            ? "no ctx: not emulated"
            : "no trampoline"}
        </text>
      )}
    </svg>
  );
}

/** One bar group of a chart. */
export interface BarGroup {
  label: string;
  bars: { name: string; value: number; cls: string }[];
}

/** A horizontal grouped bar chart (values scaled to the largest). */
export function BarChart(props: { title: string; groups: BarGroup[]; id?: string }) {
  const BW = 260, LBL = 130, BH = 12;
  const rows = props.groups.reduce((n, g) => n + g.bars.length + 1, 0);
  const h = 24 + rows * (BH + 2);
  let y = 22;
  return (
    <svg
      class="chart"
      id={props.id}
      role="img"
      aria-label={props.title}
      width={LBL + BW + 80}
      height={h}
      viewBox={`0 0 ${LBL + BW + 80} ${h}`}
    >
      <text x={0} y={12}>{props.title}</text>
      {props.groups.map((g) => {
        // Each group is scaled to its own largest bar: a 34-prototype source stays readable
        // beside a 56k one (the numbers are printed beside the bars).
        const max = Math.max(1, ...g.bars.map((b) => b.value));
        const gy = y;
        y += (g.bars.length + 1) * (BH + 2);
        return (
          <g>
            <text x={0} y={gy + BH}>{g.label}</text>
            {g.bars.map((b, i) => {
              const by = gy + (i + 1) * (BH + 2);
              const w = Math.round((b.value / max) * BW);
              return (
                <g>
                  <text x={LBL - 60} y={by + BH - 2}>{b.name}</text>
                  <rect class={`bar ${b.cls}`} x={LBL} y={by} width={Math.max(w, 1)} height={BH}>
                    <title>{`${g.label} ${b.name}: ${b.value}`}</title>
                  </rect>
                  <text x={LBL + w + 4} y={by + BH - 2}>{b.value}</text>
                </g>
              );
            })}
          </g>
        );
      })}
    </svg>
  );
}
