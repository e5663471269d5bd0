/** How times, durations, money and sizes are shown. */
import dayjs from 'dayjs';
import relativeTime from 'dayjs/plugin/relativeTime';
import type { Job } from './api/types.ts';

dayjs.extend(relativeTime);

/** Seconds since the epoch → "2024-05-01 14:03:10"; empty for 0. */
export function formatTime(seconds: number): string {
  return seconds ? dayjs.unix(seconds).format('YYYY-MM-DD HH:mm:ss') : '';
}

export function formatAgo(seconds: number): string {
  return seconds ? dayjs.unix(seconds).fromNow() : 'never';
}

/** 3725 → "1h 02m 05s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return seconds === 0 ? '0s' : '';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return `${h}h ${String(m).padStart(2, '0')}m ${String(sec).padStart(2, '0')}s`;
  if (m) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/**
 * Dollars with the precision cloud amounts need: "$0.0123" under a dollar (a frame on a small
 * instance costs a fraction of a cent), "$4.56", "$1,234" from a thousand; empty when unknown.
 */
export function formatMoney(amount: number | undefined | null): string {
  if (amount === undefined || amount === null || !Number.isFinite(amount)) return '';
  if (amount === 0) return '$0.00';
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  if (abs < 0.0001) return `${sign}<$0.0001`;
  if (abs < 1) return `${sign}$${abs.toFixed(4)}`;
  if (abs < 1000) return `${sign}$${abs.toFixed(2)}`;
  return `${sign}$${Math.round(abs).toLocaleString('en-US')}`;
}

/** A job's cost so far: "—" when it has none (it never ran on a paid instance). */
export function formatCost(amount: number | undefined | null): string {
  return amount ? formatMoney(amount) : '—';
}

export function formatBytes(bytes: number): string {
  if (!bytes) return '0';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  const i = Math.min(units.length - 1, Math.floor(Math.log(bytes) / Math.log(1024)));
  return `${(bytes / 1024 ** i).toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** Time left for a running job from its progress so far; undefined when unknown. */
export function etaSeconds(job: Pick<Job, 'state' | 'progress' | 'duration'>): number | undefined {
  if (job.state !== 'WORKING' || job.progress <= 0 || job.progress >= 1 || job.duration <= 0) return undefined;
  return (job.duration * (1 - job.progress)) / job.progress;
}

export const percent = (fraction: number) => `${Math.round(Math.max(0, Math.min(1, fraction || 0)) * 100)}%`;
