// Static checks of the deployment files. There is no Docker engine where the
// tests run, so docker-compose.yml and the Dockerfile must be right by
// construction: this test reads them and checks the wiring between services.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isProduction, readConfig } from '../runtime/config.js';
import { EAGER_ACTIVITIES } from '../runtime/embedded/temporal.js';
import { sourceCredentialCipher } from '../runtime/credentials-key.js';
import { payloadKeyring } from '../runtime/payload-keys.js';
import { webhookTargets } from '../runtime/webhook-targets.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(root + file, 'utf8');

type Service = {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, unknown> | string[];
  ports?: Array<string | number | { target: number | string; published?: number | string }>;
  expose?: Array<string | number>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: unknown; disable?: boolean };
  restart?: string;
};

const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };
const services = compose.services;

const SERVICES = ['postgres', 'temporal', 'temporal-setup', 'temporal-ui', 'mailpit', 'api', 'worker'];

const SEARCH_ATTRIBUTES: Record<string, string> = {
  LicenseState: 'Keyword',
  AccountState: 'Keyword',
  PartnerId: 'Keyword',
  CompanyId: 'Keyword',
  CompanyName: 'Keyword',
  Product: 'Keyword',
  LicenseExpiresAt: 'Datetime',
  PoolId: 'Keyword',
  AccessGroupId: 'Keyword',
  SourceId: 'Keyword',
};

/** A value as compose resolves it when the host does not set the variable: `${VAR:-default}` → default. */
function withHostDefaults(value: string): string {
  return value.replace(/\$\{\w+:-([^}]*)\}/g, '$1');
}

function service(name: string): Service {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
}

function env(name: string): Record<string, string> {
  const e = service(name).environment ?? {};
  if (Array.isArray(e)) {
    return Object.fromEntries(
      e.map((kv) => {
        const i = kv.indexOf('=');
        return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

/** Published host port → container port, from short ("[ip:]host:container[/proto]") or long syntax. */
function ports(name: string): Array<{ published: number; target: number }> {
  return (service(name).ports ?? []).flatMap((p) => {
    if (typeof p === 'object') {
      return p.published === undefined ? [] : [{ published: Number(p.published), target: Number(p.target) }];
    }
    const parts = String(p).replace(/\/(tcp|udp)$/, '').split(':');
    if (parts.length < 2) return [];
    return [{ published: Number(parts[parts.length - 2]), target: Number(parts[parts.length - 1]) }];
  });
}

/** Ports a service listens on inside the network (published targets and expose). */
function containerPorts(name: string): number[] {
  const fromExpose = (service(name).expose ?? []).map((p) => Number(String(p).replace(/\/(tcp|udp)$/, '')));
  return [...ports(name).map((p) => p.target), ...fromExpose];
}

function dependsOn(name: string): Record<string, string> {
  const d = service(name).depends_on ?? {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((n) => [n, 'service_started']));
  return Object.fromEntries(Object.entries(d).map(([n, v]) => [n, v?.condition ?? 'service_started']));
}

function commandText(name: string): string {
  const s = service(name);
  const part = (x: string | string[] | undefined) => (Array.isArray(x) ? x.join(' ') : (x ?? ''));
  return `${part(s.entrypoint)}\n${part(s.command)}`;
}

/** --name X --type Y pairs of every `search-attribute create` in the setup command. */
function registeredSearchAttributes(): { pairs: Array<[string, string]>; invocations: string[] } {
  const text = commandText('temporal-setup').replace(/\\\n/g, ' ');
  const invocations = text.split('\n').filter((line) => /search-attribute\s+create\b/.test(line));
  const pairs = invocations.flatMap((line) =>
    [...line.matchAll(/--name[\s=]+(\S+)\s+--type[\s=]+(\S+)/g)].map((m) => [m[1]!, m[2]!] as [string, string]),
  );
  return { pairs, invocations };
}

describe('docker-compose.yml', () => {
  it('has every service of the deployment', () => {
    for (const name of SERVICES) expect(services, `service ${name}`).toHaveProperty([name]);
  });

  it('uses the expected images', () => {
    expect(service('postgres').image).toMatch(/^postgres:16(\b|[.-])/);
    expect(service('temporal').image).toMatch(/^temporalio\/auto-setup:1\.2\d(\.\d+)*$/);
    expect(service('temporal-setup').image).toMatch(/^temporalio\/admin-tools:\S+$/);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:\S+$/);
    expect(service('mailpit').image).toMatch(/^axllent\/mailpit(:\S+)?$/);
    for (const name of ['api', 'worker']) {
      expect(service(name).build, `${name} is built from the repo`).toBe('.');
    }
    expect(commandText('api')).toMatch(/npm run api/);
    expect(commandText('worker')).toMatch(/npm run worker/);
  });

  it('publishes Temporal, the Temporal UI, the API and the mail UI', () => {
    expect(ports('temporal')).toContainEqual({ published: 7233, target: 7233 });
    expect(ports('temporal-ui')).toContainEqual({ published: 8233, target: 8080 });
    expect(ports('api')).toContainEqual({ published: 3000, target: 3000 });
    expect(ports('mailpit')).toContainEqual({ published: 8025, target: 8025 });
  });

  it('keeps PostgreSQL data in a volume and checks its health with pg_isready', () => {
    const pg = service('postgres') as Service & { volumes?: string[] };
    expect(pg.volumes?.some((v) => String(v).endsWith(':/var/lib/postgresql/data'))).toBe(true);
    expect(JSON.stringify(pg.healthcheck?.test)).toMatch(/pg_isready/);
  });

  it('points Temporal at PostgreSQL', () => {
    const e = env('temporal');
    const pg = env('postgres');
    expect(e.DB).toBe('postgres12');
    expect(e.POSTGRES_SEEDS).toBe('postgres');
    expect(e.DB_PORT).toBe('5432');
    expect(e.POSTGRES_USER).toBe(pg.POSTGRES_USER);
    expect(e.POSTGRES_PWD).toBe(pg.POSTGRES_PASSWORD);
    expect(dependsOn('temporal').postgres).toBe('service_healthy');
    expect(env('temporal-ui').TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it("gives Temporal the dev server's eager activities, from a dynamic-config file in the repo", () => {
    const path = env('temporal').DYNAMIC_CONFIG_FILE_PATH;
    const mounts = ((service('temporal') as Service & { volumes?: string[] }).volumes ?? []).map((volume) => String(volume).split(':'));
    const mount = mounts.find(([, target]) => target === path);
    expect(mount, `a volume mounted at ${path}`).toBeDefined();
    const file = mount![0]!.replace(/^\.\//, '');
    expect(existsSync(root + file), file).toBe(true);
    const config = parse(read(file)) as Record<string, Array<{ value: unknown }>>;
    for (const [key, value] of Object.entries(EAGER_ACTIVITIES)) expect(config[key]?.map((entry) => entry.value), key).toEqual([value]);
  });

  describe.each(['api', 'worker'])('%s environment', (name) => {
    const e = env(name);

    it('reaches Temporal by service name and port', () => {
      const [host, port] = (e.TEMPORAL_ADDRESS ?? '').split(':');
      expect(host).toBe('temporal');
      expect(service(host!).image).toMatch(/^temporalio\/auto-setup:/);
      expect(containerPorts('temporal')).toContain(Number(port));
      expect(Number(port)).toBe(7233);
      expect(e.TEMPORAL_NAMESPACE).toBe('default');
    });

    it('reaches PostgreSQL by service name with its credentials', () => {
      const url = new URL(e.DATABASE_URL ?? 'missing:');
      const pg = env('postgres');
      expect(url.protocol).toMatch(/^postgres(ql)?:$/);
      expect(url.hostname).toBe('postgres');
      expect(services).toHaveProperty([url.hostname]);
      expect(url.port || '5432').toBe('5432');
      expect(decodeURIComponent(url.username)).toBe(pg.POSTGRES_USER);
      expect(decodeURIComponent(url.password)).toBe(pg.POSTGRES_PASSWORD);
      expect(url.pathname).toBe(`/${pg.POSTGRES_DB}`);
    });

    it("reaches the mail catcher on its SMTP port", () => {
      const url = new URL(e.SMTP_URL ?? 'missing:');
      expect(url.protocol).toBe('smtp:');
      expect(url.hostname).toBe('mailpit');
      expect(services).toHaveProperty([url.hostname]);
      expect(Number(url.port)).toBe(1025);
      expect(containerPorts('mailpit')).toContain(1025);
    });

    it('takes the bootstrap key from the host, empty by default', () => {
      expect(e.TENURE_BOOTSTRAP_KEY).toBe('${TENURE_BOOTSTRAP_KEY:-}');
    });

    it('starts after its dependencies are ready', () => {
      expect(dependsOn(name)).toMatchObject({
        postgres: 'service_healthy',
        temporal: expect.any(String),
        'temporal-setup': 'service_completed_successfully',
        mailpit: expect.any(String),
      });
    });
  });

  it('gives the API its port', () => {
    expect(env('api').PORT).toBe('3000');
  });

  describe('issue 14: production mode and its keys', () => {
    const KEYS = ['TENURE_PAYLOAD_KEYS', 'TENURE_CREDENTIALS_KEY'];

    it('runs api and worker in production mode, with the same keys, taken from the host when it sets them', () => {
      for (const name of ['api', 'worker']) {
        expect(env(name).NODE_ENV, name).toBe('production');
        for (const key of KEYS) expect(env(name)[key], `${name} ${key}`).toMatch(new RegExp(`^\\$\\{${key}:-[^}]+\\}$`));
      }
      for (const key of KEYS) expect(env('worker')[key], key).toBe(env('api')[key]);
    });

    it('ships only placeholder keys, which say to replace them, and the file says how', () => {
      const [, payloadKey] = withHostDefaults(env('api').TENURE_PAYLOAD_KEYS!).split(':');
      for (const placeholder of [payloadKey!, withHostDefaults(env('api').TENURE_CREDENTIALS_KEY!)]) {
        expect(Buffer.from(placeholder, 'base64').toString()).toMatch(/^REPLACE-ME:not-a-secret:/);
      }
      expect(read('docker-compose.yml')).toMatch(/replace them[\s\S]*openssl rand -base64 32/);
    });

    it.each(['api', 'worker'])('%s would start with its environment: keys of the right size, a valid config', async (name) => {
      const resolved = Object.fromEntries(Object.entries(env(name)).map(([key, value]) => [key, withHostDefaults(value)]));
      const config = readConfig(resolved);
      expect(isProduction(config)).toBe(true);
      await expect(payloadKeyring(config, { embeddedTemporal: false })).resolves.toBeDefined();
      await expect(sourceCredentialCipher(config)).resolves.toBeDefined();
      expect(() => webhookTargets(config)).not.toThrow();
    });

    it("points the Temporal UI's codec at the API's published /codec, and lets the UI's page call it", () => {
      const api = ports('api').find((port) => port.target === Number(env('api').PORT))!;
      expect(env('temporal-ui').TEMPORAL_CODEC_ENDPOINT).toBe(`http://localhost:${api.published}/codec`);
      const ui = ports('temporal-ui')[0]!;
      expect(env('api').TENURE_CODEC_UI_ORIGINS?.split(',').map((origin) => origin.trim())).toContain(`http://localhost:${ui.published}`);
    });
  });

  it('names only existing services in depends_on, with valid conditions and no cycle', () => {
    const conditions = ['service_started', 'service_healthy', 'service_completed_successfully'];
    for (const [name] of Object.entries(services)) {
      for (const [dep, condition] of Object.entries(dependsOn(name))) {
        expect(services, `${name} depends on unknown service ${dep}`).toHaveProperty([dep]);
        expect(conditions, `${name} -> ${dep}`).toContain(condition);
        if (condition === 'service_healthy') {
          expect(service(dep).healthcheck?.test, `${dep} needs a healthcheck`).toBeDefined();
        }
        if (condition === 'service_completed_successfully') {
          expect(service(dep).restart ?? 'no', `${dep} must be one-shot`).toBe('no');
        }
      }
    }
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (n: string, path: string[]) => {
      if (done.has(n)) return;
      if (visiting.has(n)) throw new Error(`depends_on cycle: ${[...path, n].join(' -> ')}`);
      visiting.add(n);
      for (const dep of Object.keys(dependsOn(n))) visit(dep, [...path, n]);
      visiting.delete(n);
      done.add(n);
    };
    for (const name of Object.keys(services)) visit(name, []);
  });

  it('leaves no shell $ for compose to interpolate in the setup command', () => {
    // Compose interpolates ${VAR} and $VAR; shell variables must be written $$.
    const text = commandText('temporal-setup').replace(/\$\$/g, '');
    expect(text).not.toMatch(/\$/);
  });

  it('registers exactly the search attributes the workflows use, on the right cluster and namespace', () => {
    const { pairs, invocations } = registeredSearchAttributes();
    expect(invocations.length).toBeGreaterThan(0);
    for (const line of invocations) {
      expect(line).toMatch(/--address[\s=]+temporal:7233\b/);
      expect(line).toMatch(new RegExp(`--namespace[\\s=]+${env('api').TEMPORAL_NAMESPACE}\\b`));
    }
    const names = pairs.map(([n]) => n);
    expect(new Set(names).size, 'each attribute registered once').toBe(names.length);
    expect(Object.fromEntries(pairs)).toEqual(SEARCH_ATTRIBUTES);
  });

  it('registers the same search attributes as workflows/searchAttributes.ts exports', async () => {
    const { searchAttributeTypes } = await import('../workflows/search-attributes.js');
    expect(Object.fromEntries(registeredSearchAttributes().pairs)).toEqual({ ...searchAttributeTypes });
    expect({ ...searchAttributeTypes }).toEqual(SEARCH_ATTRIBUTES);
  });
});

describe('Dockerfile', () => {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const lastFrom = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  const finalStage = lines.slice(lastFrom);

  it('builds on Node 20', () => {
    expect(lastFrom).toBeGreaterThanOrEqual(0);
    const image = finalStage[0]!.split(/\s+/).find((w, i) => i > 0 && !w.startsWith('--'));
    expect(image).toMatch(/^(docker\.io\/)?(library\/)?node:20([.-]|$)/);
  });

  it('installs production dependencies from the lockfile', () => {
    expect(finalStage.some((l) => /^COPY\s.*package-lock\.json/i.test(l))).toBe(true);
    expect(finalStage.some((l) => /^RUN\s.*npm ci\b.*--omit=dev/i.test(l))).toBe(true);
  });

  it('runs as a non-root user', () => {
    const users = finalStage.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]!.split(':')[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0']).not.toContain(users[users.length - 1]);
  });

  it('starts the API by default', () => {
    const cmd = finalStage.filter((l) => /^CMD\s/i.test(l)).pop() ?? '';
    expect(cmd.replace(/[[\]",]/g, ' ').replace(/\s+/g, ' ')).toMatch(/CMD npm run api/);
  });

  it('keeps local state out of the build context', () => {
    expect(existsSync(root + '.dockerignore')).toBe(true);
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim().replace(/^\/|\/$/g, ''));
    for (const entry of ['node_modules', '.data', '.git']) expect(ignored).toContain(entry);
  });
});
