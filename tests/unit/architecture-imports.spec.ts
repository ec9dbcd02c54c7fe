/**
 * The house's layering (DESIGN §7), checked over the real import graph of `src/` and
 * `fixtures/`: no import circles, and no import that runs against a layer rule. Rules are one
 * table; imports that still break a rule are listed by name in {@link KNOWN_EXCEPTIONS} (the
 * "one house" issue removes them), so the list can only shrink: a new violation fails, and so
 * does an exception that no longer exists.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { expect, test } from '@playwright/test';

const ROOT = join(import.meta.dirname, '..', '..');

/** A folder (prefix) and the folders its files must not import from. */
const LAYER_RULES: ReadonlyArray<{ from: string; mayNotImport: readonly string[]; why: string }> = [
  {
    from: 'src/contract/',
    mayNotImport: [
      'src/api/',
      'src/broker/',
      'src/sandbox/',
      'src/config/',
      'src/limits/',
      'src/cli/',
      'src/preflight/',
      'src/reporter/',
      'src/providers/',
      'fixtures/',
    ],
    why: 'the contract (shared shapes, errors and their wire form) is the bottom layer and imports nothing of ours',
  },
  {
    from: 'src/limits/',
    mayNotImport: [
      'src/api/',
      'src/broker/',
      'src/sandbox/',
      'src/config/',
      'src/cli/',
      'src/providers/',
      'fixtures/',
    ],
    why: 'the budget algorithm is pure and defines the store port the broker implements',
  },
  {
    from: 'src/config/',
    mayNotImport: [
      'src/api/',
      'src/broker/',
      'src/sandbox/',
      'src/cli/',
      'src/limits/',
      'src/providers/',
      'fixtures/',
    ],
    why: 'configuration sits under everything that reads it',
  },
  {
    from: 'src/api/',
    mayNotImport: [
      'src/broker/',
      'src/sandbox/',
      'src/cli/',
      'src/preflight/',
      'src/reporter/',
      'src/providers/',
      'fixtures/',
    ],
    why: 'the standalone client (`./client`) must not pull in the broker, the sandbox or the provider seam',
  },
  {
    from: 'src/providers/',
    mayNotImport: ['src/broker/', 'src/sandbox/', 'src/cli/', 'src/preflight/', 'src/reporter/', 'fixtures/'],
    why: 'the provider seam sits under the broker and its faces: it wraps an API client, in neutral terms',
  },
  {
    from: 'src/sandbox/',
    mayNotImport: [
      'src/broker/',
      'src/cli/',
      'src/preflight/',
      'src/reporter/',
      'src/providers/',
      'fixtures/',
    ],
    why: 'the sandbox stands for the API; it knows nothing of its clients',
  },
  {
    from: 'src/broker/server/',
    mayNotImport: ['src/broker/client/', 'src/cli/', 'src/preflight/', 'src/reporter/', 'fixtures/'],
    why: 'the broker server never imports its client; both import the protocol',
  },
  {
    from: 'src/broker/client/',
    mayNotImport: ['src/broker/server/', 'src/cli/', 'src/preflight/', 'src/reporter/', 'fixtures/'],
    why: 'the client runs in every test worker: it never loads the server journeys, only the protocol',
  },
  {
    from: 'src/broker/',
    mayNotImport: ['src/cli/', 'src/preflight/', 'src/reporter/', 'fixtures/'],
    why: 'the engine knows nothing of its faces',
  },
];

/** `fixtures/` is the Playwright face: it uses `src/` through the package's entry modules only. */
const ENTRY_MODULES: ReadonlySet<string> = new Set([
  'src/api/index.ts',
  'src/broker/index.ts',
  'src/sandbox/index.ts',
  'src/reporter/index.ts',
  'src/preflight/index.ts',
]);

/** Imports that still break a rule, `from -> to`: issue "one house" removes them. */
const KNOWN_EXCEPTIONS: ReadonlySet<string> = new Set<string>();

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every relative import and re-export of `file`, as repo-relative paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']+)'/g)].map(
    (m) => m[1] as string,
  );
  return specifiers.map((s) => relative(ROOT, normalize(join(ROOT, dirname(file), s))).replaceAll('\\', '/'));
}

const FILES = [...sourceFiles('src'), ...sourceFiles('fixtures')];
const GRAPH = new Map(FILES.map((file) => [file, importsOf(file)]));

/** Strongly connected components with more than one file (Tarjan): the import circles. */
function circles(): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (file: string) => {
    indexOf.set(file, index);
    low.set(file, index++);
    stack.push(file);
    onStack.add(file);
    for (const next of GRAPH.get(file) ?? []) {
      if (!GRAPH.has(next)) continue;
      if (!indexOf.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file) as number, indexOf.get(next) as number));
      }
    }
    if (low.get(file) === indexOf.get(file)) {
      const component: string[] = [];
      for (;;) {
        const member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
        if (member === file) break;
      }
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const file of FILES) if (!indexOf.has(file)) visit(file);
  return out;
}

/** Every import that breaks a rule, `from -> to (why)`. */
function violations(): string[] {
  const out: string[] = [];
  for (const [from, imports] of GRAPH) {
    for (const to of imports) {
      // The most specific rule for the importing file decides (broker/server over broker/).
      const rule = LAYER_RULES.filter((r) => from.startsWith(r.from)).sort(
        (a, b) => b.from.length - a.from.length,
      )[0];
      if (rule?.mayNotImport.some((prefix) => to.startsWith(prefix))) out.push(`${from} -> ${to}`);
      if (from.startsWith('fixtures/') && to.startsWith('src/') && !ENTRY_MODULES.has(to)) {
        out.push(`${from} -> ${to}`);
      }
    }
  }
  return out.sort();
}

test('the import graph was read (a parser that finds nothing would pass every rule)', () => {
  expect(FILES.length).toBeGreaterThan(100);
  expect(GRAPH.get('src/broker/server/lease.ts')).toContain('src/broker/server/lease-intents.ts');
  expect(GRAPH.get('src/providers/tempnumber-v1/provider.ts')).toContain('src/api/client.ts');
});

test('no import circles in src/ or fixtures/', () => {
  expect(circles()).toEqual([]);
});

test('no import runs against the layering, beyond the known exceptions', () => {
  const found = violations();
  expect(
    found.filter((v) => !KNOWN_EXCEPTIONS.has(v)),
    'new imports against the layering',
  ).toEqual([]);
  expect(
    [...KNOWN_EXCEPTIONS].filter((v) => !found.includes(v)),
    'exceptions that are gone: drop them',
  ).toEqual([]);
});

/**
 * Names declared by more than one file on purpose, with why. Anything else exported twice is one
 * concept declared twice (they drift apart: the "one house" issue found CodeOptions with two
 * documented defaults).
 */
const SAME_NAME_ON_PURPOSE: Readonly<Record<string, string>> = {
  Phone: "the fixture's Phone is the contract's without release/record (a Pick, not a second shape)",
};

test('every exported shape, class and function is declared once in src/ and fixtures/', () => {
  const declared = new Map<string, string[]>();
  for (const file of FILES) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(
      /^export (?:declare )?(?:interface|type|class|enum|function|const|let) ([A-Za-z_$][\w$]*)/gm,
    )) {
      const name = m[1] as string;
      declared.set(name, [...(declared.get(name) ?? []), file]);
    }
  }
  expect(declared.get('ActivationRecord'), 'the scan finds declarations').toEqual([
    'src/contract/activation.ts',
  ]);
  const twice = [...declared].filter(([name, files]) => files.length > 1 && !SAME_NAME_ON_PURPOSE[name]);
  expect(twice, 'declared in more than one file').toEqual([]);
  for (const name of Object.keys(SAME_NAME_ON_PURPOSE)) {
    expect(declared.get(name)?.length, `${name} is still declared twice (else drop it from the list)`).toBe(
      2,
    );
  }
});
