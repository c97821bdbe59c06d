// First step of `npm start` and `npm test`: make the checkout runnable with nothing
// installed by hand. Installs npm dependencies when missing or stale, then makes
// sure the pinned Temporal CLI is there when a local Temporal server is needed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTemporalCli } from './temporal-cli.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampPath = join(root, 'node_modules', '.tenure-install-stamp');

function manifestHash() {
  const hash = createHash('sha256');
  for (const file of ['package.json', 'package-lock.json']) {
    const path = join(root, file);
    if (existsSync(path)) hash.update(readFileSync(path));
  }
  return hash.digest('hex');
}

function installDependencies() {
  const wanted = manifestHash();
  if (existsSync(stampPath) && readFileSync(stampPath, 'utf8') === wanted) return;
  // `npm ci`: exactly the committed lockfile, which lists every platform's optional
  // binaries, so a fresh clone installs the same tree and leaves `git status` clean.
  process.stderr.write('Installing npm dependencies…\n');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`npm ci failed (exit ${result.status}); fix the error above and run again.\n`);
    process.exit(result.status ?? 1);
  }
  writeFileSync(stampPath, wanted);
}

installDependencies();

const forTests = process.env.npm_lifecycle_event === 'test' || process.env.npm_lifecycle_event === 'bench';
if (forTests || !process.env.TEMPORAL_ADDRESS) {
  try {
    await ensureTemporalCli();
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
