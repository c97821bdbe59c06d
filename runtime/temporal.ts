// Connection to the Temporal server: a local dev server, a self-hosted cluster
// (optionally mTLS) or Temporal Cloud (API key or mTLS), from the same variables.
import { readFile } from 'node:fs/promises';
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { LocalFirstStates, type LocalWorker } from '../platform/lifecycle/first-state.js';
import { ConfigError, type Config } from './config.js';

interface TemporalTarget {
  address: string;
  tls?: { serverNameOverride?: string; clientCertPair?: { crt: Buffer; key: Buffer } } | boolean;
  apiKey?: string;
}

async function targetOf(config: Config, address: string): Promise<TemporalTarget> {
  const clientCertPair = config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH
    ? { crt: await readFile(config.TEMPORAL_TLS_CERT_PATH), key: await readFile(config.TEMPORAL_TLS_KEY_PATH) }
    : undefined;
  const wantsTls = config.TEMPORAL_TLS ?? Boolean(clientCertPair || config.TEMPORAL_API_KEY);
  const tls = wantsTls
    ? { ...(config.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME } : {}), ...(clientCertPair ? { clientCertPair } : {}) }
    : false;
  return { address, tls, ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}) };
}

function unreachable(address: string, error: unknown): ConfigError {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new ConfigError('TEMPORAL_ADDRESS', `cannot reach Temporal at ${address} (${reason})`);
}

/**
 * The longest one call to Temporal may take. Without a deadline, a call on a connection that went
 * away without a word waits forever, and so does the request behind it. Long polls (an Update's
 * outcome, a workflow's result) are answered within the server's long-poll interval (20 s by
 * default) and asked again, so only a stuck call reaches it.
 */
export const TEMPORAL_CALL_DEADLINE_MS = 30_000;

/** The client's gRPC interceptors: the SDK's retries of transient failures, all within one deadline per call. */
export function clientInterceptors(deadlineMs = TEMPORAL_CALL_DEADLINE_MS): Interceptor[] {
  const withinDeadline: Interceptor = (options, nextCall) =>
    new InterceptingCall(nextCall(options.deadline === undefined ? { ...options, deadline: Date.now() + deadlineMs } : options));
  return [withinDeadline, makeGrpcRetryInterceptor(defaultGrpcRetryOptions())];
}

export async function connectClient(config: Config, address: string): Promise<Connection> {
  const target = await targetOf(config, address);
  try {
    return await Connection.connect({ ...target, connectTimeout: '5s', interceptors: clientInterceptors() });
  } catch (error) {
    throw unreachable(address, error);
  }
}

export async function connectWorker(config: Config, address: string): Promise<NativeConnection> {
  const target = await targetOf(config, address);
  try {
    return await NativeConnection.connect(target);
  } catch (error) {
    throw unreachable(address, error);
  }
}

/**
 * Eager starts on the worker's own connection: Temporal hands the first task only to a worker on
 * the connection that started the workflow. Each start within the deadline every other call has.
 */
export function localWorkerOn(connection: NativeConnection, namespace: string, dataConverter: DataConverter): LocalWorker {
  const client = new Client({ connection, namespace, dataConverter });
  return {
    firstStates: new LocalFirstStates(),
    // The server's workflow task timeout: past it, the server hands the first task to any worker.
    announcedWithinMs: 10_000,
    startEagerly: (workflowType, options) =>
      connection.withDeadline(Date.now() + TEMPORAL_CALL_DEADLINE_MS, () => client.workflow.start(workflowType, { ...options, requestEagerStart: true })),
  };
}
