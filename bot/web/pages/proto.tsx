/**
 * The prototype page: base and patched trampolines side by side — the
 * argument-flow diagram, the verdict, and the annotated Capstone disassembly.
 *
 * @module
 */

import type { ProtoSide, ProtoView } from "../proto.ts";
import { seriesPath } from "../model.ts";
import { Page } from "./layout.tsx";
import { FrameDiagram } from "./svg.tsx";

function Side(props: { view: ProtoView; side: ProtoSide }) {
  const { view, side } = props;
  const bad = new Set(side.badArgs);
  return (
    <section class="side" id={`side-${side.label}`}>
      <h2>{side.label}: {view.arch} {side.era}</h2>
      <p class="verdict">
        verdict:{" "}
        <b class={side.status === "pass" ? "ok" : side.status === "fail" ? "bad" : "muted"}>
          {side.status}
        </b>
        {side.errno && ` (${side.errno}: ${side.reason})`}
        {side.unavailable && <span class="muted">— {side.unavailable}</span>}
      </p>
      <FrameDiagram placement={view.placement} side={side} />
      {side.mismatches.length > 0 && (
        <table class="mismatches">
          <thead>
            <tr>
              <th>arg</th>
              <th>rule</th>
              <th>expected</th>
              <th>trampoline read</th>
            </tr>
          </thead>
          <tbody>
            {side.mismatches.map((m) => (
              <tr class={m.severity === "fail" ? "mismatch" : ""}>
                <td>
                  {m.arg ?? "frame"}
                  {m.type ? ` (${m.type.c}, ${m.type.size}/${m.type.align})` : ""}
                </td>
                <td>{m.rule}{m.severity === "info" ? " (info)" : ""}</td>
                <td class="mono">{m.expected}</td>
                <td class="mono">{m.observed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {side.notes.length > 0 && <ul class="muted">{side.notes.map((n) => <li key={n}>{n}</li>)}
      </ul>}
      <h3>disassembly</h3>
      {side.disasmUnavailable
        ? <p class="muted">{side.disasmUnavailable}</p>
        : (
          <table class="disasm mono">
            <tbody>
              {side.disasm.map((i) => (
                <tr class={i.args.some((a) => bad.has(a)) ? "mismatch" : ""}>
                  <td>{i.address}</td>
                  <td>{i.text}</td>
                  <td class="note">{i.notes.join("; ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </section>
  );
}

/** The prototype page. */
export function ProtoPage(props: { view: ProtoView }) {
  const v = props.view;
  return (
    <Page title={`${v.proto.name} on ${v.arch}`}>
      <p>
        <a href={seriesPath(v.messageId)} id="back">{v.subject}</a>
      </p>
      <h1 id="proto-name">
        {v.proto.name} <span class="muted">({v.proto.source}, {v.attach})</span>
      </h1>
      <pre id="proto-c">{v.proto.c}</pre>
      <h2>where the caller puts each argument ({v.arch})</h2>
      <table id="placement">
        <thead>
          <tr>
            <th>arg</th>
            <th>type</th>
            <th>size/align</th>
            <th>registers</th>
            <th>stack (SP at call)</th>
            <th>ctx slots</th>
          </tr>
        </thead>
        <tbody>
          {v.placement.map((p) => (
            <tr
              class={v.base.badArgs.includes(p.arg) || v.patched.badArgs.includes(p.arg)
                ? "mismatch"
                : ""}
            >
              <td>{p.arg} {p.name}</td>
              <td class="mono">{p.type}</td>
              <td>{p.size}/{p.align}</td>
              <td class="mono">{p.regs.join(", ")}{p.byRef ? `pointer in ${p.byRef}` : ""}</td>
              <td class="mono">
                {p.stack.map((s) => `+0x${s.offset.toString(16)} (${s.bytes} B)`).join(", ")}
              </td>
              <td>{p.slots > 1 ? `${p.slot}..${p.slot + p.slots - 1}` : p.slot}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {v.findings.length > 0 && (
        <div class="card" id="report-findings">
          the report's findings for this prototype:
          <ul>
            {v.findings.map((f) => (
              <li>
                {f.era}: arg {f.arg ?? "frame"} {f.rule}: expected {f.expected}; read {f.observed}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div class="sides">
        <Side view={v} side={v.base} />
        <Side view={v} side={v.patched} />
      </div>
      <p class="muted">generated, emulated and disassembled in {v.ms} ms</p>
    </Page>
  );
}
