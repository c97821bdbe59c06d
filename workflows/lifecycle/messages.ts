// What every lifecycle workflow (license, account) accepts besides its own operations.
import { defineSignal } from '@temporalio/workflow';
import type { FactsChange } from '../../machines/lifecycle/contract.js';

/** Sent by whoever changed the facts (a company rename, a pool move); the workflow mirrors them in the UI. */
export const factsChanged = defineSignal<[FactsChange]>('factsChanged');
