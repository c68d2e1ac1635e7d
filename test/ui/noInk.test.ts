import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The packages a module loads, with the chain of modules that leads to each (type imports aside). */
function packagesLoadedBy(entry: string): Map<string, string[]> & { files: Set<string> } {
  const found = new Map<string, string[]>();
  const seen = new Set<string>();
  const visit = (file: string, chain: string[]): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const imports = /^(?:import|export)\s+(?!type\b)(?:[^'";]*?\bfrom\s+)?['"]([^'"]+)['"]/gm;
    for (const [, spec] of text.matchAll(imports)) {
      if (!spec.startsWith('.')) {
        if (!found.has(spec)) found.set(spec, [...chain, path.relative(ROOT, file)]);
        continue;
      }
      const base = path.resolve(path.dirname(file), spec).replace(/\.js$/, '');
      const next = [`${base}.ts`, `${base}.tsx`].find((f) => {
        try {
          readFileSync(f);
          return true;
        } catch {
          return false;
        }
      });
      if (next) visit(next, [...chain, path.relative(ROOT, file)]);
    }
  };
  visit(path.join(ROOT, entry), []);
  return Object.assign(found, { files: new Set([...seen].map((f) => path.relative(ROOT, f))) });
}

describe('what the binding table loads', () => {
  // `--help` prints the binding table (source/help.ts) before the TUI has let Ink draw under a
  // CI variable (inkEnv.ts): Ink decides whether to draw when first loaded, so the table, and the
  // view specs it reads, must not load Ink or React.
  it('loads neither Ink nor React, views included', () => {
    const loaded = packagesLoadedBy('source/ui/bindings.ts');
    for (const pkg of ['ink', 'react']) {
      expect(loaded.get(pkg), `${pkg} is loaded by ${loaded.get(pkg)?.join(' → ')}`).toBe(
        undefined,
      );
    }
    // the walk does follow the registry into the view files
    expect(loaded.files).toContain('source/ui/views/registry.ts');
    expect(loaded.files).toContain('source/ui/views/rings.ts');
  });

  it('would see Ink loaded by a component', () => {
    expect(packagesLoadedBy('source/ui/ViewBody.tsx').has('ink')).toBe(true);
  });
});
