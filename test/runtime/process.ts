// Runs Tenure's real entry points as child processes, as a user's shell would.
import { spawn, type ChildProcess } from 'node:child_process';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runToEnd(script: string, env: Record<string, string>, timeoutMs = 60_000): Promise<Finished> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child, timeoutMs);
}

export function collect(child: ChildProcess, timeoutMs: number): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      setImmediate(() => done({ code, signal, stdout, stderr }));
    });
  });
}

/** The test process's environment without Tenure's own variables, so each case sets exactly what it tests. */
export function cleanEnv(): Record<string, string> {
  const tenureVariables = /^(TEMPORAL_|DATABASE_URL|SMTP_URL|PORT|HOST|TENURE_|CORS_ORIGINS|LOG_LEVEL|MAIL_|EMBEDDED_)/;
  return Object.fromEntries(Object.entries(process.env).filter(([name, value]) => value !== undefined && !tenureVariables.test(name))) as Record<string, string>;
}
