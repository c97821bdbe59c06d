// DESIGN §4's layering table as lint rules: each layer lists what it may never import.
// eslint.config.js applies them; test/lint/layering.test.ts proves each row bites.

const nodeBuiltins = ['assert', 'buffer', 'child_process', 'crypto', 'dns', 'events', 'fs', 'fs/promises', 'http', 'https', 'net', 'os', 'path', 'process', 'stream', 'timers', 'tls', 'url', 'util', 'worker_threads', 'zlib'];
const ioLibraries = ['postgres', 'drizzle-orm', 'nodemailer', 'koa', 'pino'];

/** A relative import that climbs into one of these top-level folders. */
const into = (...folders) => `^(\\.\\./)+(${folders.join('|')})/`;

const rule = (folder, patterns, paths = []) => ({
  files: [`${folder}/**/*.ts`],
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }] },
});

export const layers = [
  rule('machines', [
    { regex: into('workflows', 'activities', 'api', 'db', 'runtime', 'platform', 'test', 'bench', 'scripts'), message: 'machines/ is the pure domain at the bottom: it imports nothing else of the project (DESIGN §4).' },
    { regex: '^(?!xstate$)(?!\\.\\.?/)', message: 'machines/ imports xstate only: no Node built-ins, no I/O, no other package (DESIGN §4).' },
  ]),
  rule(
    'workflows',
    [
      { regex: into('activities'), allowTypeImports: true, message: 'Workflows import activity types only (import type).' },
      { regex: into('api', 'db', 'runtime', 'platform'), message: 'Workflows are deterministic: no api/, db/, runtime/ or platform/ (DESIGN §4).' },
    ],
    [...nodeBuiltins, ...nodeBuiltins.map((name) => `node:${name}`), ...ioLibraries].map((name) => ({
      name,
      message: 'Workflows are deterministic and do no I/O: use an activity.',
    })),
  ),
  rule('activities', [
    { regex: into('workflows'), allowTypeImports: true, message: 'activities/ may not use workflow values; shared contracts live in machines/ (DESIGN §4).' },
    { regex: into('api', 'runtime'), message: 'activities/ never imports api/ or runtime/; logger and metrics live in platform/ (DESIGN §4).' },
  ]),
  rule('api', [
    { regex: into('activities', 'runtime'), message: 'api/ never imports activities/ or runtime/: shared code lives in machines/, db/ or platform/ (DESIGN §4).' },
    { regex: `${into('workflows')}(?!.*(messages|search-attributes)\\.js$)`, allowTypeImports: true, message: 'api/ imports workflow message definitions and search attributes only (DESIGN §4).' },
  ]),
  rule('platform', [
    { regex: into('workflows', 'activities', 'api', 'runtime'), message: 'platform/ sits below activities/ and api/: it may import machines/ and db/ only (DESIGN §4).' },
  ]),
  rule('db', [
    { regex: into('workflows', 'activities', 'api', 'runtime', 'platform'), message: 'db/ is the schema and its mappings: it may import machines/ only (DESIGN §4).' },
  ]),
];
