#!/usr/bin/env python3
"""Dependencies run one way: checks the module graph of each crate.

For every crate (app, server, frontend), each `.rs` file is a module; a path
it names (`crate::a::b`, `super::b`, `use crate::{a, b}`) is an edge from its
module to the one named. Two graphs are checked per crate: between its
top-level modules (`backend`, `pages`, `error`, ...) and, inside each of
those, between their own children (`backend::cache`, `backend::tokens`, ...).
Both must have no cycle, and the rules below must hold. Test modules
(`#[cfg(test)]` to the end of a file) are left out: a test may reach anything.

  scripts/layers.py          exit 1 and name each cycle or broken rule
  scripts/layers.py --graph  print the top-level edges as well
"""

import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRATES = {"app": ROOT / "app/src", "server": ROOT / "server/src", "frontend": ROOT / "frontend/src"}

# Top-level modules a module may never depend on, per crate: the services
# know nothing of HTTP or pages, and the wire types nothing of either.
RULES = {
    "app": {
        "backend": {"app", "components", "data", "layouts", "pages", "providers", "rpc", "web", "spa"},
        "models": {"backend", "web", "rpc", "data", "providers", "components", "pages", "layouts", "spa"},
        "error": {"backend", "web", "rpc", "data", "providers", "components", "pages", "layouts", "spa", "models"},
        "urls": {"backend", "web", "rpc", "data", "providers", "components", "pages", "layouts", "spa"},
        "data": {"providers", "components", "pages", "layouts"},
        "providers": {"components", "pages", "layouts"},
        "components": {"pages"},
    },
}

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def module_of(crate_root, file):
    parts = list(file.relative_to(crate_root).with_suffix("").parts)
    if parts[-1] in ("lib", "main"):
        parts = parts[:-1]
    elif parts[-1] == "mod":
        parts = parts[:-1]
    return parts


def code_of(file):
    text = file.read_text()
    cut = re.search(r"^\s*#\[cfg\((?:all\()?test\b", text, re.M)
    if cut:
        text = text[: cut.start()]
    text = re.sub(r"//[^\n]*", "", text)  # comments, doc comments included
    return text


def expand_braces(prefix, text, start):
    """Paths of `prefix::{a, b::c, d::{e}}` starting at text[start] == '{'."""
    depth, at, items, current = 0, start, [], ""
    while at < len(text):
        ch = text[at]
        if ch == "{":
            depth += 1
            if depth > 1:
                current += ch
        elif ch == "}":
            depth -= 1
            if depth == 0:
                items.append(current)
                break
            current += ch
        elif ch == "," and depth == 1:
            items.append(current)
            current = ""
        else:
            current += ch
        at += 1
    paths = []
    for item in items:
        item = item.strip()
        if not item or item == "self":
            paths.append(prefix)
            continue
        head = re.match(IDENT, item)
        if head:
            paths.append(prefix + [head.group(0)])
    return paths


def references(text):
    """(kind, path) for every `crate::…` and `super::…` path in `text`."""
    found = []
    for match in re.finditer(r"\b(crate|(?:super::)*super)::", text):
        kind = match.group(1)
        rest_at = match.end()
        if rest_at < len(text) and text[rest_at] == "{":
            found += [(kind, p) for p in expand_braces([], text, rest_at)]
            continue
        path, at = [], rest_at
        while True:
            seg = re.match(IDENT, text[at:])
            if not seg:
                if text[at:at + 1] == "{":
                    found += [(kind, path + p) for p in expand_braces([], text, at)]
                    path = None
                break
            path.append(seg.group(0))
            at += seg.end()
            if text[at:at + 2] == "::":
                at += 2
            else:
                break
        if path:
            found.append((kind, path))
    return found


def resolve(module, kind, path):
    if kind == "crate":
        return path
    ups = kind.count("super")
    base = module[: max(len(module) - ups, 0)]
    return base + path


def graphs(crate, crate_root):
    modules = {}
    for file in sorted(crate_root.rglob("*.rs")):
        modules[file] = module_of(crate_root, file)
    known = {tuple(m) for m in modules.values()}
    top = defaultdict(lambda: defaultdict(list))
    inner = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for file, module in modules.items():
        if not module:
            continue
        for kind, path in references(code_of(file)):
            target = resolve(module, kind, path)
            # Only paths that name a module of this crate (not an item in it).
            while target and tuple(target) not in known:
                target = target[:-1]
            if not target:
                continue
            where = f"{file.relative_to(ROOT)}"
            if target[0] != module[0]:
                top[module[0]][target[0]].append(where)
            elif len(module) > 1 and len(target) > 1 and target[1] != module[1]:
                inner[module[0]][module[1]][target[1]].append(where)
    return top, inner


def cycles(edges):
    """Every strongly connected component with more than one node."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    nodes = set(edges) | {t for ts in edges.values() for t in ts}

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def explain(edges, component):
    members = set(component)
    lines = []
    for a in component:
        for b, files in sorted(edges.get(a, {}).items()):
            if b in members:
                lines.append(f"    {a} -> {b}  ({', '.join(sorted(set(files))[:3])})")
    return "\n".join(lines)


def main():
    problems = []
    for crate, crate_root in CRATES.items():
        top, inner = graphs(crate, crate_root)
        if "--graph" in sys.argv:
            for a in sorted(top):
                print(f"{crate}: {a} -> {', '.join(sorted(top[a]))}")
        for component in cycles(top):
            problems.append(f"{crate}: a cycle between {', '.join(component)}:\n{explain(top, component)}")
        for parent, edges in sorted(inner.items()):
            for component in cycles(edges):
                problems.append(f"{crate}: a cycle inside {parent} between {', '.join(component)}:\n"
                                f"{explain(edges, component)}")
        for module, forbidden in RULES.get(crate, {}).items():
            for target in sorted(set(top.get(module, {})) & forbidden):
                files = ", ".join(sorted(set(top[module][target]))[:3])
                problems.append(f"{crate}: {module} must not depend on {target} ({files})")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print("layers: every dependency runs one way")
    return 0


if __name__ == "__main__":
    sys.exit(main())
