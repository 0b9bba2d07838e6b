/**
 * Loading tree-sitter's C grammar in Deno (ARCHITECTURE.md: analyzers/c).
 * `web-tree-sitter` 0.27.1 runs the `tree-sitter-c.wasm` that `tree-sitter-c`
 * 0.24.1 ships (ABI 15; TOOLCHAIN.md "npm packages in Deno"). Only the WASM is
 * used; the package's native binding is never loaded.
 *
 * @module
 */

import { Language, type Node, Parser, type Tree } from "web-tree-sitter";
// Imported so that Deno installs the package; its directory holds the grammar.
import "tree-sitter-c/package.json" with { type: "json" };

/** A tree-sitter syntax node of a C file. */
export type CNode = Node;

let parserPromise: Promise<Parser> | null = null;

/** Where `tree-sitter-c.wasm` lives (next to the package's package.json). */
export function cGrammarPath(): string {
  const pkg = import.meta.resolve("tree-sitter-c/package.json");
  return new URL("tree-sitter-c.wasm", pkg).pathname;
}

async function makeParser(): Promise<Parser> {
  await Parser.init();
  let wasm: Uint8Array;
  try {
    wasm = await Deno.readFile(cGrammarPath());
  } catch (e) {
    throw new Error(
      `tree-sitter C grammar not found at ${cGrammarPath()} (npm:tree-sitter-c@0.24.1): ${
        e instanceof Error ? e.message : e
      }`,
    );
  }
  const lang = await Language.load(wasm);
  const p = new Parser();
  p.setLanguage(lang);
  return p;
}

/** The shared C parser (initialised once per process). */
export function cParser(): Promise<Parser> {
  parserPromise ??= makeParser().catch((e) => {
    parserPromise = null;
    throw e;
  });
  return parserPromise;
}

/** Parses C text into a tree (kernel C with macros parses with local ERROR nodes, never throws on syntax). */
export async function parseTree(text: string): Promise<Tree> {
  const p = await cParser();
  const tree = p.parse(text);
  if (!tree) throw new Error("tree-sitter returned no tree (parse cancelled)");
  return tree;
}
