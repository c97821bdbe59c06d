// What the sync workflow answers. The API imports these definitions, never strings.
import { defineUpdate } from '@temporalio/workflow';

/** The operation this sync runs as, once it is written: `POST /v1/sources/:id/sync` answers with it, a new sync's or the running one's. */
export const syncOperation = defineUpdate<{ operationId: string }>('operation');
