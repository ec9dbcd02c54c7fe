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

/**
 * A folder (prefix) and the folders its files must not import from (`unless` narrows a ban to
 * everything but the named files). The most specific `from` decides for a file.
 */
interface LayerRule {
  from: string;
  mayNotImport: readonly string[];
  unless?: readonly string[];
  why: string;
}

/** Every folder of ours, for "imports nothing of ours but …". */
const ALL = [
  'src/contract/',
  'src/limits/',
  'src/config/',
  'src/providers/',
  'src/sandbox/',
  'src/broker/',
  'src/cli/',
  'src/preflight/',
  'src/reporter/',
  'fixtures/',
] as const;
const allBut = (...allowed: string[]) => ALL.filter((folder) => !allowed.includes(folder));

/** A provider's own module (wire names, statuses, its client): nothing above the seam imports it. */
const DIALECTS = ['src/providers/tempnumber-v1/', 'src/providers/platfone/'];

const LAYER_RULES: readonly LayerRule[] = [
  {
    from: 'src/contract/',
    mayNotImport: allBut('src/contract/'),
    why: 'the contract (shared shapes, errors and their wire form) is the bottom layer and imports nothing of ours',
  },
  {
    from: 'src/config/',
    mayNotImport: allBut('src/config/', 'src/contract/'),
    why: 'configuration sits under everything that reads it',
  },
  {
    from: 'src/limits/',
    mayNotImport: allBut('src/limits/', 'src/contract/'),
    why: 'the budget algorithm is pure and defines the store port the broker implements',
  },
  {
    from: 'src/providers/',
    mayNotImport: allBut('src/providers/', 'src/contract/', 'src/config/', 'src/limits/'),
    why: 'the provider seam sits under the broker and its faces: it wraps an API client, in neutral terms',
  },
  {
    from: 'src/sandbox/',
    mayNotImport: allBut('src/sandbox/', 'src/contract/', 'src/config/', 'src/limits/', 'src/providers/'),
    why: 'the sandbox stands for the API; it knows nothing of its clients',
  },
  {
    from: 'src/sandbox/',
    mayNotImport: ['src/providers/'],
    unless: ['src/providers/tempnumber-v1/wire.ts', 'src/providers/platfone/wire.ts'],
    why: "a sandbox dialect shares its API's wire declarations with that API's client, and nothing else of it",
  },
  {
    from: 'src/broker/',
    mayNotImport: ['src/cli/', 'src/preflight/', 'src/reporter/', 'fixtures/', 'src/sandbox/', ...DIALECTS],
    why: 'the engine knows nothing of its faces, and speaks to the API only through the provider seam',
  },
  {
    from: 'src/broker/server/',
    mayNotImport: ['src/broker/client/'],
    why: 'the broker server never imports its client; both import the protocol',
  },
  {
    from: 'src/broker/client/',
    mayNotImport: ['src/broker/server/'],
    why: 'the client runs in every test worker: it never loads the server journeys, only the protocol',
  },
  {
    from: 'src/preflight/',
    mayNotImport: ['src/cli/', 'src/reporter/', 'fixtures/', ...DIALECTS],
    why: 'the preflight is a face of the engine, above the provider seam',
  },
  {
    from: 'src/reporter/',
    mayNotImport: ['src/cli/', 'src/preflight/', 'fixtures/', ...DIALECTS],
    why: 'the reporter reads the contract and the ledger, above the provider seam',
  },
  {
    from: 'src/cli/',
    mayNotImport: ['fixtures/', ...DIALECTS],
    why: 'the CLI is a face: it reads the API through the broker, never a dialect directly',
  },
];

/** `fixtures/` is the Playwright face: it uses `src/` through the package's entry modules only. */
const ENTRY_MODULES: ReadonlySet<string> = new Set([
  'src/providers/tempnumber-v1/index.ts',
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

/** Every import that breaks a rule, `from -> to`. Every rule whose folder holds the file applies. */
function violations(): string[] {
  const out = new Set<string>();
  for (const [from, imports] of GRAPH) {
    const rules = LAYER_RULES.filter((r) => from.startsWith(r.from));
    for (const to of imports) {
      const banned = rules.some(
        (r) => r.mayNotImport.some((prefix) => to.startsWith(prefix)) && !r.unless?.includes(to),
      );
      if (banned) out.add(`${from} -> ${to}`);
      if (from.startsWith('fixtures/') && to.startsWith('src/') && !ENTRY_MODULES.has(to)) {
        out.add(`${from} -> ${to}`);
      }
    }
  }
  return [...out].sort();
}

/** Every file `entry` loads, itself included. */
function closure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || !GRAPH.has(file)) return;
    seen.add(file);
    for (const next of GRAPH.get(file) ?? []) visit(next);
  };
  visit(entry);
  return seen;
}

test('the import graph was read (a parser that finds nothing would pass every rule)', () => {
  expect(FILES.length).toBeGreaterThan(50);
  expect(GRAPH.get('src/broker/server/lease.ts')).toContain('src/broker/server/lease-intents.ts');
  expect(GRAPH.get('src/providers/tempnumber-v1/provider.ts')).toContain(
    'src/providers/tempnumber-v1/client.ts',
  );
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

test('the standalone v1 client (`./client`) loads neither the seam, the broker nor the sandbox', () => {
  const loaded = [...closure('src/providers/tempnumber-v1/index.ts')];
  expect(loaded).toContain('src/providers/tempnumber-v1/client.ts');
  expect(
    loaded.filter(
      (f) =>
        f.startsWith('src/broker/') ||
        f.startsWith('src/sandbox/') ||
        f === 'src/providers/provider.ts' ||
        f === 'src/providers/index.ts',
    ),
  ).toEqual([]);
});
