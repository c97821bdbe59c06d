// What a lifecycle workflow tells the process that runs it, outside its history: a new subject's
// first state is written. A caller in the same process that started the workflow eagerly on its
// own worker answers with it, instead of asking Temporal for the `recorded` Update (issue 13).
import { proxySinks, type Sinks } from '@temporalio/workflow';
import type { LifecycleView } from '../../machines/lifecycle/contract.js';

export interface LifecycleSinks extends Sinks {
  lifecycle: {
    /** The first state of a new license or account is written: its view, as `recorded` answers it. */
    opened(view: LifecycleView<string>): void;
  };
}

export const { lifecycle: lifecycleSink } = proxySinks<LifecycleSinks>();
