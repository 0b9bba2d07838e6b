/**
 * The series page: summary, per-arch model change, sortable layout changes
 * (sorted by query parameters, no JavaScript), failures with evidence,
 * unmodeled changes, apply errors, the reply text, lore links and the
 * version history.
 *
 * @module
 */

import type { Finding, ReplyText } from "../../report/types.ts";
import type { LayoutSortKey, SeriesView } from "../model.ts";
import { LAYOUT_SORT_KEYS, protoPath, seriesPath } from "../model.ts";
import { Badge, Page } from "./layout.tsx";

function sortHref(v: SeriesView, key: LayoutSortKey): string {
  const dir = v.layoutSort.key === key && v.layoutSort.dir === "desc" ? "asc" : "desc";
  return `${seriesPath(v.series.messageId)}?sort=${key}&dir=${dir}#layout`;
}

/** The function name of a C prototype ("int f(int a)" → "f"), or null. */
export function protoName(c: string): string | null {
  return /([A-Za-z_]\w*)\s*\(/.exec(c)?.[1] ?? null;
}

/** A reply as it reads on the wire: headers, a blank line, the body. */
function replyText(t: ReplyText): string {
  return `${Object.entries(t.headers).map(([k, h]) => `${k}: ${h}\n`).join("")}\n${t.body}`;
}

function Findings(props: { id: string; title: string; items: Finding[]; messageId: string }) {
  if (props.items.length === 0) return null;
  return (
    <section id={props.id}>
      <h3>{props.title} ({props.items.length})</h3>
      <table>
        <thead>
          <tr>
            <th>arch</th>
            <th>era</th>
            <th>attach</th>
            <th>prototype</th>
            <th>arg</th>
            <th>type</th>
            <th>expected</th>
            <th>trampoline read</th>
            <th>rule</th>
            <th>also affected</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((f) => (
            <tr class="finding">
              <td>{f.arch}</td>
              <td>{f.era}</td>
              <td>{f.attach}</td>
              <td>
                <a class="proto" href={protoPath(props.messageId, f.arch, f.proto, f.attach)}>
                  {f.proto}
                </a>
                <div class="muted mono">{f.protoC}</div>
              </td>
              <td>{f.arg ?? "frame"}</td>
              <td>{f.type ?? ""}</td>
              <td class="mono">{f.expected}</td>
              <td class="mono bad">{f.observed}</td>
              <td>{f.rule}</td>
              <td>{f.alsoAffected}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The series page. */
export function SeriesPage(props: { view: SeriesView }) {
  const v = props.view;
  const s = v.series;
  const r = v.report;
  return (
    <Page title={s.subject}>
      <h1 id="subject">{s.subject}</h1>
      <p>
        <span id="author">{s.author}</span> · v{s.version} · {s.date} · list {s.list} · {s.total}
        {" "}
        patch(es) · state {s.state}
      </p>
      <p class="muted mono">{s.messageId}</p>
      {r
        ? (
          <div class="card" id="summary">
            <div>
              {v.arches.map((a) => <Badge key={a.arch} status={a.status} arch={a.arch} />)}
            </div>
            <div>
              base: {r.analysis.baseNote} (mode {r.analysis.mode}) · reviewed {v.review?.at}
            </div>
            <div>
              corpus: {r.corpus.real} real, {r.corpus.stress} stress, {r.corpus.selftest} selftest,
              {" "}
              {r.corpus.series} from the series · {r.failures.introduced.length} introduced,{" "}
              {r.failures.fixed.length} fixed, {r.failures.preexisting.length} pre-existing
            </div>
            {r.modelOnly.length > 0 && <div>model only: {r.modelOnly.join(", ")}</div>}
          </div>
        )
        : <p class="muted" id="summary">not reviewed yet</p>}

      <h2>Model change per arch</h2>
      <table id="arches">
        <thead>
          <tr>
            <th>arch</th>
            <th>era before → after</th>
            <th>status</th>
            <th>knobs changed</th>
            <th>note</th>
          </tr>
        </thead>
        <tbody>
          {v.arches.map((a) => (
            <tr>
              <td>{a.arch}</td>
              <td class="mono">{a.before} → {a.after}</td>
              <td>
                <Badge status={a.status} />
              </td>
              <td>
                {a.knobs.length === 0 ? <span class="muted">none</span> : (
                  <ul>
                    {a.knobs.map((k) => (
                      <li>
                        <code>{k.name}</code>: {String(k.before)} → {String(k.after)}{" "}
                        <span class="muted">in {k.function}()</span>
                        {k.hunk && <div class="mono muted">{k.hunk}</div>}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td>
                {a.note}
                {a.notes.filter((n) => n !== a.note).map((n) => <div key={n} class="muted">{n}
                </div>)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {v.genericKnobs.length > 0 && (
        <p>
          generic (btf.c, bpf.h): {v.genericKnobs.map((k) => (
            <code>
              {k.name}: {String(k.before)} → {String(k.after)}
              {" "}
            </code>
          ))}
        </p>
      )}

      <h2 id="layout">Layout changes ({v.layoutChanges.length})</h2>
      <table id="layout-table">
        <thead>
          <tr>
            {LAYOUT_SORT_KEYS.map((k) => (
              <th>
                <a href={sortHref(v, k)} class={`sort-${k}`}>
                  {k}
                  {v.layoutSort.key === k ? (v.layoutSort.dir === "asc" ? " ▲" : " ▼") : ""}
                </a>
              </th>
            ))}
            <th>examples</th>
          </tr>
        </thead>
        <tbody>
          {v.layoutChanges.map((g) => (
            <tr class="layout-row">
              <td>{g.arch}</td>
              <td>{g.cause}</td>
              <td>{g.counts.real}</td>
              <td>{g.counts.stress}</td>
              <td>{g.counts.selftest}</td>
              <td>{g.counts.series}</td>
              <td>{g.total}</td>
              <td class="mono">
                {g.examples.slice(0, 3).map((e) => {
                  const name = protoName(e);
                  return (
                    <div>
                      {name
                        ? (
                          <a class="example" href={protoPath(v.series.messageId, g.arch, name)}>
                            {e}
                          </a>
                        )
                        : e}
                    </div>
                  );
                })}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2 id="failures">Emulation failures</h2>
      {r && (r.failures.introduced.length + r.failures.fixed.length +
          r.failures.preexisting.length === 0) &&
        <p class="ok">none</p>}
      {r && (
        <>
          <Findings
            id="introduced"
            title="introduced"
            items={r.failures.introduced}
            messageId={s.messageId}
          />
          <Findings id="fixed" title="fixed" items={r.failures.fixed} messageId={s.messageId} />
          <Findings
            id="preexisting"
            title="pre-existing"
            items={r.failures.preexisting}
            messageId={s.messageId}
          />
        </>
      )}
      {r && r.compilerDisagreements.length > 0 && (
        <section id="disagreements">
          <h3>compiler disagreements (not trampoline failures)</h3>
          <ul>
            {r.compilerDisagreements.map((d) => (
              <li key={d.proto}>{d.arch} {d.proto}: {d.detail}</li>
            ))}
          </ul>
        </section>
      )}

      <h2 id="unmodeled">Unmodeled changes ({v.unmodeled.length})</h2>
      <ul>
        {v.unmodeled.map((u) => (
          <li>
            {u.summary} <span class="muted mono">{u.file} {u.hunk}</span>
          </li>
        ))}
      </ul>

      <h2 id="apply-errors">Apply errors ({r?.analysis.applyErrors.length ?? 0})</h2>
      <ul>
        {(r?.analysis.applyErrors ?? []).map((e) => (
          <li key={e.message}>patch {e.patch}: {e.message}</li>
        ))}
      </ul>

      <h2 id="reply">Reply</h2>
      {v.replies.length === 0 && !r?.reply && <p class="muted">no reply recorded</p>}
      {v.replies.map((p) => (
        <div class="card">
          <div>
            to {p.target}: <b>{p.state}</b>
            {p.reason ? ` (${p.reason})` : ""} · recorded {p.recordedAt}
            {p.sentAt ? ` · sent ${p.sentAt}` : ""}
          </div>
          <pre class="reply">{replyText(p.text)}</pre>
        </div>
      ))}
      {v.replies.length === 0 && r?.reply && (
        <div class="card">
          <div>not sent (per policy)</div>
          <pre class="reply">{replyText(r.reply)}</pre>
        </div>
      )}

      <h2 id="lore">Messages on lore</h2>
      <ul>
        {v.lore.map((l) => (
          <li>
            {l.label}: <a href={l.href} class="lore">{l.messageId}</a>
          </li>
        ))}
      </ul>

      <h2 id="versions">Version history</h2>
      <ol>
        {v.versions.map((e) => (
          <li>
            {e.current ? <b>v{e.version} (this)</b> : <a href={e.href}>v{e.version}</a>}
            {e.fixed !== null && ` — fixed ${e.fixed}, still present ${e.stillPresent}`}
            {!e.reviewed && <span class="muted">(not reviewed)</span>}
          </li>
        ))}
      </ol>
    </Page>
  );
}
