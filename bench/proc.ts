import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Clock ticks per second of /proc's CPU times (USER_HZ). */
export const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * User + system CPU time of a whole process (all its threads: JS, GC, libuv pool), in microseconds.
 * Fields 14 and 15 of /proc/<pid>/stat; the command name (field 2) may hold spaces, so count from ')'.
 */
export function cpuTimeUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / CLOCK_TICKS;
}

/** CPU time of several processes; ones that have exited meanwhile count as zero. */
export function cpuTimeOfUs(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += cpuTimeUs(pid);
    } catch {
      // The process ended (a PostgreSQL backend closed by the pool); its time is lost, not an error.
    }
  }
  return total;
}

/** Resident set size in bytes, or null once the process is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The CPUs a process may run on, as Linux prints them ("0-1", "0"). */
export function cpusAllowed(pid: number): string {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return /^Cpus_allowed_list:\s+(\S+)/m.exec(status)?.[1] ?? '?';
  } catch {
    return '?';
  }
}

/** Samples a process's RSS on a timer and keeps the peak; cheap enough to run during measurements. */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  peak = 0;

  constructor(
    private readonly pid: number,
    private readonly everyMs = 100,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  stop(): number {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return this.peak;
  }

  private sample(): void {
    const rss = rssBytes(this.pid);
    if (rss !== null && rss > this.peak) this.peak = rss;
  }
}
