/**
 * The corpus page: what the corpus holds and, per arch, where the ABI puts
 * the arguments (SVG charts).
 *
 * @module
 */

import type { CorpusView } from "../corpus.ts";
import { HIST_MAX } from "../corpus.ts";
import { Page } from "./layout.tsx";
import { BarChart } from "./svg.tsx";

/** The corpus page. */
export function CorpusPage(props: { view: CorpusView }) {
  const v = props.view;
  const arches = [...new Set(v.stats.map((s) => s.arch))];
  return (
    <Page title="corpus">
      <h1>Corpus</h1>
      <table id="sources">
        <thead>
          <tr>
            <th>source</th>
            <th>prototypes</th>
            <th>note</th>
          </tr>
        </thead>
        <tbody>
          {v.sources.map((s) => (
            <tr>
              <td>{s.source}</td>
              <td>{s.prototypes}</td>
              <td class="muted">{s.missing ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Argument placement per arch</h2>
      {arches.map((arch) => {
        const rows = v.stats.filter((s) => s.arch === arch);
        return (
          <section class="arch-stats" id={`arch-${arch}`}>
            <h3>
              {arch} <span class="muted">(oracle: {rows[0].oracle})</span>
            </h3>
            <BarChart
              id={`chart-args-${arch}`}
              title={`${arch}: arguments by location (bars scaled per source)`}
              groups={rows.map((s) => ({
                label: `${s.source} (${s.prototypes})`,
                bars: [
                  { name: "gpr", value: s.args.gpr, cls: "" },
                  { name: "fpr", value: s.args.fpr, cls: "fpr" },
                  { name: "stack", value: s.args.stack, cls: "stack" },
                  { name: "by-ref", value: s.args.byRef, cls: "byref" },
                ],
              }))}
            />
            <BarChart
              id={`chart-stack-${arch}`}
              title={`${arch}: prototypes by stack-argument count (scaled per source)`}
              groups={rows.map((s) => ({
                label: s.source,
                bars: s.stackArgsHistogram.map((n, i) => ({
                  name: i === HIST_MAX ? `${i}+` : String(i),
                  value: n,
                  cls: i === 0 ? "" : "stack",
                })),
              }))}
            />
            {rows.some((s) => s.errors > 0) && (
              <p class="muted">
                placement refused: {rows.map((s) => `${s.source} ${s.errors}`).join(", ")}
              </p>
            )}
          </section>
        );
      })}
      <p class="muted">statistics computed in {v.ms} ms (cached)</p>
    </Page>
  );
}
