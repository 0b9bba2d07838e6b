/**
 * The series list: newest first, per-arch badges, filters (list, arch,
 * status) and search, all as a plain GET form (works without JavaScript).
 *
 * @module
 */

import type { SeriesListView } from "../model.ts";
import { STATUS_LABEL } from "../model.ts";
import { Badge, Page } from "./layout.tsx";

/** The series list page. */
export function SeriesListPage(props: { view: SeriesListView }) {
  const v = props.view;
  const q = v.query;
  return (
    <Page title="series">
      <h1>Series</h1>
      <form class="filters" method="get" action="/" id="filters">
        <label>
          search subject or message-id
          <input type="search" name="q" value={q.q ?? ""} size={40} />
        </label>
        <label>
          list
          <select name="list">
            <option value="">any</option>
            {v.lists.map((l) => <option key={l} value={l} selected={q.list === l}>{l}</option>)}
          </select>
        </label>
        <label>
          arch
          <select name="arch">
            <option value="">any</option>
            {v.arches.map((a) => <option key={a} value={a} selected={q.arch === a}>{a}</option>)}
          </select>
        </label>
        <label>
          status
          <select name="status">
            <option value="">any</option>
            {v.statuses.map((s) => (
              <option value={s} selected={q.status === s}>{STATUS_LABEL[s]}</option>
            ))}
          </select>
        </label>
        <button type="submit">filter</button>
        <a href="/">clear</a>
      </form>
      <p class="muted" id="count">{v.rows.length} series</p>
      <table id="series">
        <thead>
          <tr>
            <th>date</th>
            <th>subject</th>
            <th>author</th>
            <th>version</th>
            <th>list</th>
            <th>per-arch status</th>
          </tr>
        </thead>
        <tbody>
          {v.rows.map((r) => (
            <tr data-msgid={r.messageId}>
              <td class="mono" style="white-space:nowrap">{r.date.slice(0, 10)}</td>
              <td>
                <a href={r.href} class="subject">{r.subject}</a>
                <div class="muted mono">{r.messageId}</div>
              </td>
              <td>{r.author}</td>
              <td>v{r.version}</td>
              <td>{r.list}</td>
              <td>
                {r.badges.length === 0
                  ? <span class="muted">{r.state}</span>
                  : r.badges.map((b) => (
                    <Badge status={b.status} arch={b.arch} title={`${b.before} → ${b.after}`} />
                  ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Page>
  );
}
