// Where a figure's CPU goes, read from /proc while it runs: the Temporal dev server, PostgreSQL
// (its backends, and the exited ones its postmaster reaped) and this process (Tenure's API and
// worker, the raw worker and the load itself). On two cores, what an item costs in all three
// bounds how many a second the machine can do, whoever is waiting for whom.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export type CpuShare = { temporal: number; postgres: number; bench: number };

const TICK_MS = 10; // getconf CLK_TCK is 100 on Linux

function processTimes(): { temporal: number; postgres: number } {
  const totals = { temporal: 0, postgres: 0 };
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14–17 of stat(5): utime, stime, cutime, cstime; `fields` starts at field 3.
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((index) => Number(fields[index]));
    if (name === 'temporal') totals.temporal += (utime! + stime!) * TICK_MS;
    else if (name === 'postgres') totals.postgres += (utime! + stime! + cutime! + cstime!) * TICK_MS;
  }
  return totals;
}

/** Starts counting; the function it answers gives the CPU milliseconds spent since, per item. */
export function measureCpu(): (items: number) => CpuShare {
  const before = processTimes();
  const ownBefore = process.cpuUsage();
  return (items) => {
    const after = processTimes();
    const own = process.cpuUsage(ownBefore);
    const perItem = (ms: number) => Math.round((ms / items) * 100) / 100;
    return { temporal: perItem(after.temporal - before.temporal), postgres: perItem(after.postgres - before.postgres), bench: perItem((own.user + own.system) / 1000) };
  };
}

/** The CPU milliseconds this machine's cores give in one second of wall time. */
export const CORE_MS_PER_SECOND = cpus().length * 1_000;

/** What one item cost in the dev server, PostgreSQL and this process together. */
export const totalCpuMs = (share: CpuShare) => Math.round((share.temporal + share.postgres + share.bench) * 100) / 100;

/**
 * The most items a second the cores allow when each costs `share`: no rate beats it, however the
 * work is ordered or waits, since the cores cannot give more CPU than they have.
 */
export const cpuBoundPerSecond = (share: CpuShare) => Math.round((CORE_MS_PER_SECOND / totalCpuMs(share)) * 10) / 10;

/** The most CPU one item may cost, in all processes together, for `perSecond` items a second to fit on the cores. */
export const cpuMsAllowedAt = (perSecond: number) => Math.round((CORE_MS_PER_SECOND / perSecond) * 100) / 100;
