// DESIGN §4: an import that breaks the layering table fails `npm test` through lint.
// Each row is linted as source placed in that layer, with the project's own layer rules.
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM config module shared with eslint.config.js
import { layers } from '../../eslint.layers.js';

const eslint = new ESLint({
  cwd: new URL('../..', import.meta.url).pathname,
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { '@typescript-eslint': tseslint.plugin } }, ...layers],
});

async function importErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport {};\n`, { filePath: file });
  return result!.messages.filter((message) => message.ruleId === '@typescript-eslint/no-restricted-imports').map((message) => message.message);
}

describe('DESIGN §4 layering, as lint', () => {
  const broken: [string, string][] = [
    ['machines/license/fixture.ts', "import { licenses } from '../../db/schema.js';"],
    ['machines/license/fixture.ts', "import { readFileSync } from 'node:fs';"],
    ['machines/license/fixture.ts', "import { z } from 'zod';"],
    ['workflows/license/fixture.ts', "import { createActivities } from '../../activities/index.js';"],
    ['workflows/license/fixture.ts', "import { sql } from 'drizzle-orm';"],
    ['workflows/license/fixture.ts', "import { createLogger } from '../../platform/logger.js';"],
    ['activities/license/fixture.ts', "import { renewLicense } from '../../workflows/license/messages.js';"],
    ['activities/license/fixture.ts', "import { createApp } from '../../api/app.js';"],
    ['activities/license/fixture.ts', "import { loadConfig } from '../../runtime/config.js';"],
    ['api/license/fixture.ts', "import { createActivities } from '../../activities/index.js';"],
    ['api/license/fixture.ts', "import { loadConfig } from '../../runtime/config.js';"],
    ['api/license/fixture.ts', "import { LicenseRecord } from '../../workflows/license/record.js';"],
    ['platform/fixture.ts', "import { createApp } from '../api/app.js';"],
    ['db/fixture.ts', "import { createLogger } from '../platform/logger.js';"],
  ];

  it.each(broken)('%s may not say: %s', async (file, source) => {
    expect(await importErrors(file, source)).toHaveLength(1);
  });

  const allowed: [string, string][] = [
    ['machines/license/fixture.ts', "import { setup } from 'xstate';\nimport { durationMs } from '../lifecycle/duration.js';"],
    ['workflows/license/fixture.ts', "import type { LicenseActivities } from '../../activities/license/record.js';\nimport { licenseMachine } from '../../machines/license/machine.js';"],
    ['activities/license/fixture.ts', "import type { LicenseFacts } from '../../machines/license/contract.js';\nimport { licenses } from '../../db/schema.js';\nimport { createLogger } from '../../platform/logger.js';"],
    ['api/license/fixture.ts', "import { renewLicense } from '../../workflows/license/messages.js';\nimport type { licenseLifecycle } from '../../workflows/license/lifecycle.js';"],
  ];

  it.each(allowed)('%s may say: %s', async (file, source) => {
    expect(await importErrors(file, source)).toEqual([]);
  });
});
