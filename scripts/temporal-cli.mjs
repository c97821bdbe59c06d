// Finds, or builds from the Go module proxy, the pinned Temporal CLI that runs the
// local dev server. Plain Node with no dependencies: it runs before `npm install`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
export const cachedCliDir = join(cacheRoot, 'tenure', `temporal-cli-${TEMPORAL_CLI_VERSION}`);
export const cachedCliPath = join(cachedCliDir, 'temporal');

function versionOf(executable) {
  const result = spawnSync(executable, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The path of a usable CLI at the pinned version, or undefined. */
export function findTemporalCli() {
  if (process.env.TEMPORAL_CLI_PATH) return process.env.TEMPORAL_CLI_PATH;
  const onPath = versionOf('temporal');
  if (onPath && onPath.includes(TEMPORAL_CLI_VERSION.slice(1))) return 'temporal';
  if (existsSync(cachedCliPath) && versionOf(cachedCliPath)) return cachedCliPath;
  return undefined;
}

const alternatives = `
Tenure needs the Temporal CLI ${TEMPORAL_CLI_VERSION} to run a local Temporal server. Any one of these works:
  - install Go (https://go.dev/dl) and run npm again: it builds the CLI into ${cachedCliDir}
  - Homebrew:  brew install temporal, then  TEMPORAL_CLI_PATH=$(which temporal) npm start
  - the official release for your platform from https://github.com/temporalio/cli/releases, then
    TEMPORAL_CLI_PATH=/path/to/temporal npm start
  - or skip the local server: docker compose up (see docker-compose.yml), or set TEMPORAL_ADDRESS to a cluster.`;

/** Builds the CLI with `go install`, printing progress; throws with the alternatives when it cannot. */
export async function buildTemporalCli(log = (line) => process.stderr.write(`${line}\n`)) {
  if (spawnSync('go', ['version']).status !== 0) {
    throw new Error(`Go is not installed, so the Temporal CLI cannot be built here.${alternatives}`);
  }
  const staging = `${cachedCliDir}.partial`;
  mkdirSync(staging, { recursive: true });
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} from the Go module proxy (first run only; takes a few minutes)…`);
  const started = Date.now();
  const ticker = setInterval(() => log(`  …still building (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
  try {
    const code = await new Promise((resolve) => {
      const child = spawn('go', ['install', `${MODULE}@${TEMPORAL_CLI_VERSION}`], {
        env: { ...process.env, GOBIN: staging, GOFLAGS: '-mod=mod' },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('close', resolve);
      child.on('error', () => resolve(-1));
    });
    if (code !== 0) throw new Error(`go install ${MODULE}@${TEMPORAL_CLI_VERSION} failed (exit ${code}).${alternatives}`);
  } finally {
    clearInterval(ticker);
  }
  mkdirSync(cachedCliDir, { recursive: true });
  renameSync(join(staging, 'temporal'), cachedCliPath);
  rmSync(staging, { recursive: true, force: true });
  log(`Temporal CLI ready in ${Math.round((Date.now() - started) / 1000)} s: ${cachedCliPath}`);
  return cachedCliPath;
}

export async function ensureTemporalCli() {
  return findTemporalCli() ?? (await buildTemporalCli());
}
