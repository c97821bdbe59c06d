// A Tenure worker in its own process, so a test can kill it with SIGKILL as a crash would.
import { readFile } from 'node:fs/promises';
import { NativeConnection } from '@temporalio/worker';
import { createMailer } from '../../activities/notice/transport.js';
import { BACKGROUND_DEADLINES, openDatabase } from '../../db/client.js';
import { createLogger } from '../../platform/logger.js';
import { createWorker } from '../../runtime/worker.js';
import { targetPolicy } from '../../platform/network/address-guard.js';
import { testDataConverter } from './payload-keys.js';
import { credentialCipherFromKey } from '../../platform/source/credentials.js';

const { DATABASE_URL, TEMPORAL_ADDRESS, TASK_QUEUE, WORKFLOW_BUNDLE, SMTP_URL, TENURE_CREDENTIALS_KEY } = process.env;
const database = openDatabase(DATABASE_URL!, { deadlines: BACKGROUND_DEADLINES });
const worker = await createWorker({
  connection: await NativeConnection.connect({ address: TEMPORAL_ADDRESS! }),
  namespace: 'default',
  taskQueue: TASK_QUEUE!,
  workflowBundle: { code: await readFile(WORKFLOW_BUNDLE!, 'utf8') },
  activities: {
    db: database.db,
    logger: createLogger('silent'),
    mailer: createMailer(SMTP_URL, 'Tenure <notices@tenure.test>'),
    webhookTargets: targetPolicy({ requireHttps: false, allow: ['127.0.0.1'] }),
    sourceCredentials: TENURE_CREDENTIALS_KEY ? credentialCipherFromKey(TENURE_CREDENTIALS_KEY) : undefined,
  },
  dataConverter: testDataConverter,
});
process.stdout.write('polling\n');
await worker.run();
