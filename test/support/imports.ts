import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, posix, relative, resolve, sep } from "node:path";

/**
 * The import graph of a source tree and the architecture rules checked on it. It works on any
 * folder, so the rules' own test can run it on small fake trees as well as on src/.
 *
 * Type-only imports count: a folder that names another's types depends on it as much as one
 * that calls it, and the rules are about that dependency, not about what the bundler keeps.
 */

export interface Import {
  /** The importing file, from the tree root's parent with `/` separators (e.g. `src/formats/csv.ts`). */
  from: string;
  /** The imported file, named the same way. */
  to: string;
  /** As written in the source. */
  specifier: string;
  line: number;
}

export interface ImportGraph {
  /** The tree's root as given. */
  root: string;
  files: string[];
  /** Every import of a file of the tree by a file of the tree (packages, `node:` and files outside left out). */
  imports: Import[];
}

const SOURCE = /\.(ts|tsx|mts|js|mjs)$/;

function sourceFiles(base: string, dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(base, path));
    else if (SOURCE.test(name) && !name.endsWith(".d.ts")) out.push(relative(base, path).split(sep).join("/"));
  }
  return out;
}

/**
 * The text with its comments blanked (newlines kept, so line numbers hold): an import written
 * in a doc comment is not an import. String and template literals are skipped whole, so a `//`
 * inside a string does not start a comment.
 */
export function withoutComments(text: string): string {
  const out = text.split("");
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'" || c === "`") {
      i++;
      while (i < text.length && text[i] !== c) i += text[i] === "\\" ? 2 : 1;
      i++;
    } else {
      i++;
    }
  }
  return out.join("");
}

// `import … from "x"`, `export … from "x"` (across lines), `import "x"`, and `import("x")`.
const SPECIFIERS = [
  /\b(?:import|export)\s[^;'"`]*?\bfrom\s*(["'])([^"'\n]+)\1/g,
  /\bimport\s*(["'])([^"'\n]+)\1/g,
  /\bimport\s*\(\s*(["'])([^"'\n]+)\1\s*\)/g,
];

/** Every specifier of a source text, with its line, in order of appearance. */
export function specifiersOf(text: string): { specifier: string; line: number }[] {
  const code = withoutComments(text);
  const found: { specifier: string; line: number; at: number }[] = [];
  for (const re of SPECIFIERS) {
    for (const m of code.matchAll(re)) {
      const at = m.index! + m[0].lastIndexOf(m[2]!);
      found.push({ specifier: m[2]!, at, line: code.slice(0, at).split("\n").length });
    }
  }
  return found.sort((a, b) => a.at - b.at).map(({ specifier, line }) => ({ specifier, line }));
}

/** The file of the tree a relative specifier names (as written, with `.ts`, or `/index.ts`), or null outside the tree. */
function resolveSpecifier(base: string, from: string, specifier: string, top: string): string | null {
  const target = posix.normalize(posix.join(posix.dirname(from), specifier));
  if (!target.startsWith(`${top}/`)) return null; // outside the tree (e.g. package.json): no rule is about it
  const candidates = [target, `${target}.ts`, `${target}/index.ts`];
  const hit = candidates.find((c) => existsSync(join(base, c)) && statSync(join(base, c)).isFile());
  if (!hit) throw new Error(`${from}: import "${specifier}" names no file`);
  return hit;
}

/** The graph of the tree at `root`; its files are named from the root's parent (`src/cli.ts`). */
export function importGraph(root: string): ImportGraph {
  const base = dirname(resolve(root));
  const top = basename(resolve(root));
  const files = sourceFiles(base, resolve(root));
  const imports: Import[] = [];
  for (const from of files) {
    for (const { specifier, line } of specifiersOf(readFileSync(join(base, from), "utf8"))) {
      if (!specifier.startsWith(".")) continue;
      const to = resolveSpecifier(base, from, specifier, top);
      if (to !== null) imports.push({ from, to, specifier, line });
    }
  }
  return { root, files, imports };
}

/** A file's folder: its directory (`src` for the root's own files); subfolders are folders of their own. */
export const folderOf = (file: string): string => posix.dirname(file);

const where = (i: Import) => `${i.from}:${i.line} imports "${i.specifier}"`;

/** Strongly connected parts of a directed graph with more than one node, or a node on itself. */
function cyclicParts(nodes: string[], next: (node: string) => Iterable<string>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const parts: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const part: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        part.push(w);
      } while (w !== v);
      if (part.length > 1 || [...next(v)].includes(v)) parts.push(part.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return parts;
}

/** The shortest way from `start` back to itself inside `part`, as the nodes it goes through. */
function shortestCycle(start: string, part: Set<string>, next: (node: string) => Iterable<string>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next(v)) {
      if (!part.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return path;
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  throw new Error(`${start} is on no cycle`);
}

const SHOWN = 3;

/** The imports behind one edge: the first few, and how many more. */
function because(imports: Import[]): string {
  const more = imports.length > SHOWN ? ` (and ${imports.length - SHOWN} more)` : "";
  return imports.slice(0, SHOWN).map(where).join("; ") + more;
}

/**
 * One message per distinct shortest cycle through each node of each knot: a knot of many
 * folders is reported as the several small cycles that make it, each one fixable on its own.
 */
function cycleErrors(kind: string, edges: Map<string, Map<string, Import[]>>): string[] {
  const next = (v: string) => edges.get(v)?.keys() ?? [];
  const messages: string[] = [];
  for (const part of cyclicParts([...edges.keys()].sort(), next)) {
    const seen = new Set<string>();
    for (const start of part) {
      const cycle = shortestCycle(start, new Set(part), next);
      const first = cycle.indexOf([...cycle].sort()[0]!);
      const key = [...cycle.slice(first), ...cycle.slice(0, first)].join(" → ");
      if (seen.has(key)) continue;
      seen.add(key);
      const steps = cycle.map((v, k) => {
        const w = cycle[(k + 1) % cycle.length]!;
        return `  ${v} → ${w}: ${because(edges.get(v)!.get(w)!)}`;
      });
      messages.push(`${kind} cycle ${[...cycle, cycle[0]].join(" → ")}\n${steps.join("\n")}`);
    }
  }
  return messages;
}

function edgesBy(graph: ImportGraph, key: (file: string) => string, keepInside: boolean): Map<string, Map<string, Import[]>> {
  const edges = new Map<string, Map<string, Import[]>>();
  for (const file of graph.files) edges.set(key(file), edges.get(key(file)) ?? new Map());
  for (const i of graph.imports) {
    const [a, b] = [key(i.from), key(i.to)];
    if (!keepInside && a === b) continue;
    const out = edges.get(a)!;
    out.set(b, [...(out.get(b) ?? []), i]);
  }
  return edges;
}

/** One message per knot of files that import each other, naming the imports of one cycle. */
export const fileCycleErrors = (graph: ImportGraph): string[] => cycleErrors("file", edgesBy(graph, (f) => f, true));

/** The same between folders (imports inside a folder left out). */
export const folderCycleErrors = (graph: ImportGraph): string[] => cycleErrors("folder", edgesBy(graph, folderOf, false));

const inside = (file: string, folder: string) => file.startsWith(`${folder}/`);

/** A folder rule: files under any of `importers` may import no file under any of `forbidden`. */
export interface ForbiddenImports {
  importers: string[];
  forbidden: string[];
  why: string;
}

/** One message per import that breaks the rule. */
export function forbiddenImportErrors(graph: ImportGraph, rule: ForbiddenImports): string[] {
  return graph.imports
    .filter((i) => rule.importers.some((f) => inside(i.from, f)) && rule.forbidden.some((f) => inside(i.to, f)))
    .map((i) => `${where(i)} (${i.to}): ${rule.why}`);
}

/** One message per import of a file of the tree outside `folder` (and its subfolders) by a file inside it. */
export function selfContainedErrors(graph: ImportGraph, folder: string, why: string): string[] {
  return graph.imports
    .filter((i) => inside(i.from, folder) && !inside(i.to, folder))
    .map((i) => `${where(i)} (${i.to}): ${why}`);
}

/** The project's rules, on a tree laid out as src/ is (the root's basename comes first in every path). */
export interface ArchitectureReport {
  fileCycles: string[];
  folderCycles: string[];
  layerImports: string[];
  contractImports: string[];
}

export function architectureReport(root: string): ArchitectureReport {
  const graph = importGraph(root);
  const top = basename(resolve(root));
  const under = (folders: string[]) => folders.map((f) => `${top}/${f}`);
  return {
    fileCycles: fileCycleErrors(graph),
    folderCycles: folderCycleErrors(graph),
    layerImports: forbiddenImportErrors(graph, {
      importers: under(["formats", "storage", "serving", "api", "dashboard"]),
      forbidden: under(["pipeline/silver", "pipeline/gold"]),
      why: "formats, storage, serving, the API and the dashboard import no file of a layer (what they share lives in src/contract or their own folder)",
    }),
    contractImports: selfContainedErrors(graph, `${top}/contract`, "the data contract imports nothing of the project"),
  };
}
