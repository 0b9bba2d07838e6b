/**
 * A local stand-in for the GitHub REST API endpoints the GitHub sender uses,
 * in GitHub's wire format (JSON bodies, status codes, `Link` pagination,
 * error bodies `{"message", "documentation_url", "status"}`):
 *
 * - `GET /repos/{owner}/{repo}/pulls?state=open&per_page=&page=` → pull
 *   request objects (`number`, `title`, `state`, `html_url`, `head.ref`…),
 *   paginated with a `Link: <…>; rel="next"` header like GitHub's.
 * - `GET /repos/{owner}/{repo}/issues/{n}/comments?per_page=&page=` → comments.
 * - `POST /repos/{owner}/{repo}/issues/{n}/comments` `{"body"}` → 201 and the
 *   comment object (`id`, `node_id`, `html_url`, `body`, `user`, times).
 * - a wrong token → 401 "Bad credentials"; unknown repo/PR → 404 "Not Found";
 *   a comment without body → 422 "Validation Failed".
 *
 * (analyzers/source/testing/github_server.ts serves the contents API from
 * git repositories and has no routes for pulls or comments.) Tests only.
 *
 * @module
 */

/** A pull request as the test sets it up. */
export interface TestPull {
  number: number;
  title: string;
  headRef: string;
  state?: "open" | "closed";
}

/** A comment as stored. */
export interface TestComment {
  id: number;
  issue: number;
  body: string;
  login: string;
  createdAt: string;
}

/** A running server. */
export interface GithubApi {
  /** Base URL for octokit's `baseUrl`. */
  url: string;
  comments: TestComment[];
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}

const DOCS = "https://docs.github.com/rest";

/** Starts the server for one repository with the given pulls; `token` is the only accepted one. */
export async function startGithubApi(
  opts: { repo: string; token: string; pulls: TestPull[]; login?: string },
): Promise<GithubApi> {
  const comments: TestComment[] = [];
  const requests: { method: string; path: string }[] = [];
  let nextId = 1_000_001;
  const ac = new AbortController();
  const ready = Promise.withResolvers<string>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: ac.signal,
    onListen: ({ port }) => ready.resolve(`http://127.0.0.1:${port}`),
  }, async (req) => {
    const u = new URL(req.url);
    requests.push({ method: req.method, path: u.pathname + u.search });
    const base = `http://${u.host}`;
    // GitHub accepts both schemes for a token.
    const auth = req.headers.get("authorization") ?? "";
    if (auth !== `token ${opts.token}` && auth !== `Bearer ${opts.token}`) {
      return error(401, "Bad credentials");
    }
    const m = u.pathname.match(/^\/repos\/([^/]+\/[^/]+)\/(pulls|issues\/(\d+)\/comments)$/);
    if (!m || m[1] !== opts.repo) return error(404, "Not Found");
    if (m[2] === "pulls" && req.method === "GET") {
      const state = u.searchParams.get("state") ?? "open";
      const list = opts.pulls.filter((p) => state === "all" || (p.state ?? "open") === state);
      return page(u, list.map((p) => pullJson(base, opts.repo, p)));
    }
    const n = Number(m[3]);
    if (!opts.pulls.some((p) => p.number === n)) return error(404, "Not Found");
    if (req.method === "GET") {
      return page(
        u,
        comments.filter((c) => c.issue === n).map((c) => commentJson(base, opts.repo, c)),
      );
    }
    if (req.method === "POST") {
      let body: unknown;
      try {
        body = await req.json();
      } catch {
        return error(400, "Problems parsing JSON");
      }
      const text = (body as { body?: unknown }).body;
      if (typeof text !== "string" || text === "") return error(422, "Validation Failed");
      const c: TestComment = {
        id: nextId++,
        issue: n,
        body: text,
        login: opts.login ?? "trampolint-bot",
        createdAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      };
      comments.push(c);
      return json(201, commentJson(base, opts.repo, c));
    }
    return error(404, "Not Found");
  });
  const url = await ready.promise;
  return {
    url,
    comments,
    requests,
    close: async () => {
      ac.abort();
      await server.finished;
    },
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "x-github-media-type": "github.v3; format=json",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "4999",
      ...headers,
    },
  });
}

function error(status: number, message: string): Response {
  return json(status, { message, documentation_url: DOCS, status: String(status) });
}

/** GitHub pagination: `per_page` (max 100), `page`, and a `Link` header. */
function page(u: URL, items: unknown[]): Response {
  const per = Math.min(100, Math.max(1, Number(u.searchParams.get("per_page") ?? "30")));
  const p = Math.max(1, Number(u.searchParams.get("page") ?? "1"));
  const last = Math.max(1, Math.ceil(items.length / per));
  const links: string[] = [];
  const at = (n: number) => {
    const v = new URL(u);
    v.searchParams.set("page", String(n));
    return v.href;
  };
  if (p < last) links.push(`<${at(p + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
  if (p > 1) links.push(`<${at(1)}>; rel="first"`, `<${at(p - 1)}>; rel="prev"`);
  return json(
    200,
    items.slice((p - 1) * per, p * per),
    links.length ? { link: links.join(", ") } : {},
  );
}

function pullJson(base: string, repo: string, p: TestPull) {
  return {
    url: `${base}/repos/${repo}/pulls/${p.number}`,
    id: 900_000 + p.number,
    node_id: `PR_${p.number}`,
    html_url: `https://github.com/${repo}/pull/${p.number}`,
    number: p.number,
    state: p.state ?? "open",
    locked: false,
    title: p.title,
    user: { login: "kernel-patches-daemon-bpf", id: 1, type: "Bot" },
    body: null,
    created_at: "2025-04-11T10:00:00Z",
    updated_at: "2025-04-11T10:00:00Z",
    head: { label: `kernel-patches:${p.headRef}`, ref: p.headRef, sha: "0".repeat(40) },
    base: { label: "kernel-patches:bpf-next_base", ref: "bpf-next_base", sha: "1".repeat(40) },
    draft: false,
  };
}

function commentJson(base: string, repo: string, c: TestComment) {
  return {
    url: `${base}/repos/${repo}/issues/comments/${c.id}`,
    html_url: `https://github.com/${repo}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${base}/repos/${repo}/issues/${c.issue}`,
    id: c.id,
    node_id: `IC_${c.id}`,
    user: { login: c.login, id: 2, type: "Bot" },
    created_at: c.createdAt,
    updated_at: c.createdAt,
    author_association: "NONE",
    body: c.body,
  };
}
