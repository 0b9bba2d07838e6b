/**
 * A local stand-in for the GitHub REST API, speaking its wire format for the
 * endpoints the GitHub source uses (checked against GitHub's documented
 * answers and real error bodies):
 *
 * - `GET /repos/{owner}/{repo}/commits/{ref}` → the commit object
 *   (`sha`, `commit.tree.sha`, `parents`…); an unknown ref → 422
 *   `{"message":"No commit found for SHA: <ref>", …}`.
 * - `GET /repos/{owner}/{repo}/contents/{path}?ref=` → with
 *   `Accept: application/vnd.github.raw` (or `.v3.raw`) the file bytes as
 *   `text/plain`; otherwise the JSON content object (`type`, `encoding:
 *   "base64"`, `content` wrapped at 60 columns, `sha` = git blob id, `size`,
 *   `name`, `path`, URLs); a directory → an array of entries; absent → 404
 *   `{"message":"Not Found", "documentation_url", "status":"404"}`.
 * - every answer carries the `x-ratelimit-*` headers; once the configured
 *   budget is spent, 403 with `x-ratelimit-remaining: 0` and GitHub's
 *   "API rate limit exceeded" body.
 *
 * Repositories are real git repositories (any commit in them can be asked
 * for). Tests only: never imported by the product.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { git } from "../git.ts";

/** Options of {@link startGithubServer}. */
export interface GithubServerOptions {
  /** "owner/name" → a git repository directory. */
  repos: Record<string, string>;
  /** Requests answered before the rate limit hits (default: unlimited). */
  rateLimit?: number;
}

/** One request the server saw. */
export interface SeenRequest {
  method: string;
  path: string;
  accept: string;
  authorization: string | null;
}

/** A running server. */
export interface GithubServer {
  /** Base URL for octokit's `baseUrl` (http://127.0.0.1:PORT). */
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

const DOCS = "https://docs.github.com/rest";

/** Starts the server on 127.0.0.1 at a free port. */
export function startGithubServer(opts: GithubServerOptions): Promise<GithubServer> {
  const requests: SeenRequest[] = [];
  let remaining = opts.rateLimit ?? Infinity;
  const limit = opts.rateLimit ?? 5000;
  const reset = Math.floor(Date.now() / 1000) + 3600;
  const ac = new AbortController();
  let url = "";
  const ready = Promise.withResolvers<void>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: ac.signal,
    onListen: ({ port }) => {
      url = `http://127.0.0.1:${port}`;
      ready.resolve();
    },
  }, async (req) => {
    const u = new URL(req.url);
    requests.push({
      method: req.method,
      path: u.pathname + u.search,
      accept: req.headers.get("accept") ?? "",
      authorization: req.headers.get("authorization"),
    });
    const used = Number.isFinite(remaining) ? limit - remaining : 0;
    const rate = (left: number) => ({
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(left),
      "x-ratelimit-reset": String(reset),
      "x-ratelimit-used": String(used),
      "x-ratelimit-resource": "core",
      "x-github-media-type": "github.v3; format=json",
    });
    if (remaining <= 0) {
      return json(403, {
        message: "API rate limit exceeded for 127.0.0.1. (But here's the good news: " +
          "Authenticated requests get a higher rate limit. Check out the documentation for more details.)",
        documentation_url: `${DOCS}/overview/resources-in-the-rest-api#rate-limiting`,
      }, rate(0));
    }
    remaining--;
    const headers = rate(Number.isFinite(remaining) ? remaining : 4999);
    if (req.method !== "GET") return json(404, notFound("rest"), headers);
    const m = u.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/(commits|contents)(?:\/(.*))?$/);
    const repoDir = m ? opts.repos[`${m[1]}/${m[2]}`] : undefined;
    if (!m || !repoDir) return json(404, notFound("rest"), headers);
    const [, owner, name, kind, rest = ""] = m;
    const base = `${url}/repos/${owner}/${name}`;
    if (kind === "commits") {
      const ref = decodeURIComponent(rest);
      const sha = await resolveCommit(repoDir, ref);
      if (!sha) {
        return json(422, {
          message: `No commit found for SHA: ${ref}`,
          documentation_url: `${DOCS}/commits/commits#get-a-commit`,
          status: "422",
        }, headers);
      }
      return json(200, await commitObject(repoDir, sha, base), headers);
    }
    const path = decodeURIComponent(rest).replace(/\/+$/, "");
    const refParam = u.searchParams.get("ref") ?? "HEAD";
    const sha = await resolveCommit(repoDir, refParam);
    if (!sha) {
      return json(404, {
        message: `No commit found for the ref ${refParam}`,
        documentation_url: `${DOCS}/repos/contents#get-repository-content`,
        status: "404",
      }, headers);
    }
    const type = await git(repoDir, ["cat-file", "-t", `${sha}:${path}`]);
    if (type.code !== 0) {
      return json(404, notFound("repos/contents#get-repository-content"), headers);
    }
    if (type.stdout.trim() === "tree") {
      const ls = await git(repoDir, ["ls-tree", "-l", `${sha}:${path}`]);
      const entries = ls.stdout.trim().split("\n").filter(Boolean).map((line) => {
        const [meta, entryName] = line.split("\t");
        const [, t, blob, size] = meta.split(/\s+/);
        const p = path ? `${path}/${entryName}` : entryName;
        return {
          type: t === "tree" ? "dir" : "file",
          size: t === "tree" ? 0 : Number(size),
          name: entryName,
          path: p,
          sha: blob,
          url: `${base}/contents/${p}?ref=${sha}`,
        };
      });
      return json(200, entries, headers);
    }
    const blob = (await git(repoDir, ["rev-parse", `${sha}:${path}`])).stdout.trim();
    const bytes = await blobBytes(repoDir, blob);
    const accept = req.headers.get("accept") ?? "";
    if (/application\/vnd\.github(\.v3)?\.raw/.test(accept)) {
      return new Response(bytes, {
        status: 200,
        headers: {
          ...headers,
          "content-type": "text/plain; charset=utf-8",
          "x-github-media-type": "github.v3; param=raw",
          etag: `"${blob}"`,
        },
      });
    }
    const fileName = path.split("/").pop()!;
    const selfUrl = `${base}/contents/${path}?ref=${sha}`;
    return json(200, {
      type: "file",
      encoding: "base64",
      size: bytes.length,
      name: fileName,
      path,
      content: wrap60(Buffer.from(bytes).toString("base64")),
      sha: blob,
      url: selfUrl,
      git_url: `${base}/git/blobs/${blob}`,
      html_url: `https://github.com/${owner}/${name}/blob/${sha}/${path}`,
      download_url: `https://raw.githubusercontent.com/${owner}/${name}/${sha}/${path}`,
      _links: {
        self: selfUrl,
        git: `${base}/git/blobs/${blob}`,
        html: `https://github.com/${owner}/${name}/blob/${sha}/${path}`,
      },
    }, headers);
  });
  return ready.promise.then(() => ({
    url,
    requests,
    close: async () => {
      ac.abort();
      await server.finished;
    },
  }));
}

function notFound(doc: string) {
  return { message: "Not Found", documentation_url: `${DOCS}/${doc}`, status: "404" };
}

function json(status: number, body: unknown, headers: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, "content-type": "application/json; charset=utf-8" },
  });
}

function wrap60(b64: string): string {
  return (b64.match(/.{1,60}/g) ?? []).join("\n") + "\n";
}

async function resolveCommit(dir: string, ref: string): Promise<string | null> {
  if (ref.startsWith("-")) return null;
  const r = await git(dir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  return r.code === 0 ? r.stdout.trim() : null;
}

async function blobBytes(dir: string, blob: string): Promise<Uint8Array<ArrayBuffer>> {
  const out = await new Deno.Command("git", {
    args: ["-C", dir, "cat-file", "blob", blob],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new Uint8Array(out.stdout);
}

async function commitObject(dir: string, sha: string, base: string) {
  const fmt = "%T%n%P%n%an%n%ae%n%aI%n%cn%n%ce%n%cI%n%B";
  const out = (await git(dir, ["show", "-s", `--format=${fmt}`, sha])).stdout.split("\n");
  const [tree, parents, an, ae, ad, cn, ce, cd, ...msg] = out;
  return {
    sha,
    node_id: `C_${sha.slice(0, 20)}`,
    commit: {
      author: { name: an, email: ae, date: ad },
      committer: { name: cn, email: ce, date: cd },
      message: msg.join("\n").trim(),
      tree: { sha: tree, url: `${base}/git/trees/${tree}` },
      url: `${base}/git/commits/${sha}`,
      comment_count: 0,
    },
    url: `${base}/commits/${sha}`,
    html_url: `https://github.com${new URL(base).pathname.replace(/^\/repos/, "")}/commit/${sha}`,
    parents: parents.split(" ").filter(Boolean).map((p) => ({
      sha: p,
      url: `${base}/commits/${p}`,
    })),
    files: [],
  };
}
