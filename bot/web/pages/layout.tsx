/**
 * The page frame: head, navigation and the stylesheet (light and dark via
 * prefers-color-scheme; no JavaScript).
 *
 * @module
 */

import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import type { ArchStatus } from "../../report/types.ts";
import { STATUS_LABEL } from "../model.ts";

const CSS = `
:root { color-scheme: light dark; --bg:#fff; --fg:#1b1f24; --muted:#5b636d; --line:#d0d7de;
  --card:#f6f8fa; --pass:#1a7f37; --bad:#cf222e; --fixed:#0969da; --info:#8250df; --warn:#9a6700; }
@media (prefers-color-scheme: dark) { :root { --bg:#0d1117; --fg:#e6edf3; --muted:#8d96a0;
  --line:#30363d; --card:#161b22; --pass:#3fb950; --bad:#f85149; --fixed:#58a6ff; --info:#bc8cff;
  --warn:#d29922; } }
body { background:var(--bg); color:var(--fg); font:14px/1.45 system-ui, sans-serif; margin:0; }
header { border-bottom:1px solid var(--line); padding:8px 16px; display:flex; gap:16px; align-items:center; }
header a { color:var(--fg); text-decoration:none; font-weight:600; }
main { padding:12px 16px; max-width:1400px; }
a { color:var(--fixed); }
table { border-collapse:collapse; margin:8px 0; }
th, td { border:1px solid var(--line); padding:3px 6px; text-align:left; vertical-align:top; }
th { background:var(--card); }
code, pre, .mono { font-family:ui-monospace, monospace; font-size:12px; }
pre { background:var(--card); padding:8px; overflow:auto; white-space:pre-wrap; }
.badge { display:inline-block; border-radius:10px; padding:0 7px; margin:1px; font-size:12px;
  border:1px solid currentColor; white-space:nowrap; }
.s-pass { color:var(--pass); } .s-introduced, .s-error { color:var(--bad); }
.s-fixed { color:var(--fixed); } .s-model-only { color:var(--info); } .s-not-applicable { color:var(--muted); }
.muted { color:var(--muted); } .bad { color:var(--bad); } .ok { color:var(--pass); }
tr.mismatch td { background:color-mix(in srgb, var(--bad) 14%, transparent); }
form.filters { display:flex; gap:8px; flex-wrap:wrap; align-items:end; margin:8px 0; }
form.filters label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); }
.sides { display:grid; grid-template-columns:minmax(0,1fr) minmax(0,1fr); gap:16px; }
.side { min-width:0; overflow-x:auto; } svg.frame, svg.chart { max-width:100%; height:auto; }
svg.chart { vertical-align:top; margin-right:24px; }
@media (max-width: 900px) { .sides { grid-template-columns:1fr; } }
.card { border:1px solid var(--line); border-radius:6px; padding:8px 12px; background:var(--card); }
svg text { fill:var(--fg); font:11px ui-monospace, monospace; }
svg .box { fill:var(--bg); stroke:var(--line); } svg .box.bad { stroke:var(--bad); stroke-width:2; }
svg .link { stroke:var(--pass); fill:none; } svg .link.bad { stroke:var(--bad); stroke-dasharray:4 2; }
svg .bar { fill:var(--fixed); } svg .bar.stack { fill:var(--warn); } svg .bar.fpr { fill:var(--info); }
svg .bar.byref { fill:var(--bad); } svg .axis { stroke:var(--line); }
`;

/** The page frame. */
export function Page(props: { title: string; children?: Child }) {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <title>{props.title} · trampolint</title>
          <style>{CSS}</style>
        </head>
        <body>
          <header>
            <a href="/">trampolint</a>
            <a href="/">series</a>
            <a href="/corpus">corpus</a>
            <span class="muted">read-only dashboard</span>
          </header>
          <main>{props.children}</main>
        </body>
      </html>
    </>
  );
}

/** A per-arch status badge. */
export function Badge(props: { status: ArchStatus; arch?: string; title?: string }) {
  const label = STATUS_LABEL[props.status] ?? props.status;
  return (
    <span class={`badge s-${props.status}`} title={props.title ?? label}>
      {props.arch ? `${props.arch}: ${label}` : label}
    </span>
  );
}

/** An error page body. */
export function ErrorPage(props: { status: number; message: string }) {
  return (
    <Page title={`error ${props.status}`}>
      <h1>
        {props.status === 404 ? "Not found" : props.status === 400 ? "Bad request" : "Error"}
      </h1>
      <p class="bad" id="error">{props.message}</p>
      <p>
        <a href="/">back to the series list</a>
      </p>
    </Page>
  );
}
