import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError, get, post } from '../api/http.ts';
import type { CloudSample, CloudStatus, ScalerEvent, ScalerSettings } from '../api/types.ts';
import { useLive } from './live.ts';

export type { CloudAlert } from '../../../core/scaler/alerts.ts';
export type { BudgetLine, BudgetStatus } from '../../../core/scaler/budget.ts';
export type { SpendSummary } from '../../../core/scaler/spend.ts';

/** What `GET /api/cloud` answers (alerts, spend and budgets included). */
export type CloudView = CloudStatus;

/**
 * Cloud mode: status, decisions and the chart's series. Fetched while the cloud page (or the
 * workers page, for the instance behind each worker) is shown, and refetched on the stream's
 * `cloud` message, at most once a second.
 */
export const useCloud = defineStore('cloud', () => {
  const status = ref<CloudView | null>(null);
  /** False when the server runs no scaler (servermode = normal). */
  const enabled = ref(true);
  const events = ref<ScalerEvent[]>([]);
  const samples = ref<CloudSample[]>([]);
  const spendToday = ref(0);
  const problem = ref('');
  let watchers = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = 0;

  async function load(): Promise<void> {
    try {
      const [s, e] = await Promise.all([get<CloudView>('/api/cloud'), get<ScalerEvent[]>('/api/cloud/events', { query: { limit: 200 } })]);
      status.value = s;
      events.value = e;
      enabled.value = true;
      problem.value = '';
      const since = samples.value.length ? samples.value[samples.value.length - 1].at + 1 : undefined;
      const series = await get<{ spendToday: number; samples: CloudSample[] }>('/api/cloud/series', { query: { since } }).catch(() => undefined);
      if (series) {
        spendToday.value = series.spendToday;
        samples.value = since === undefined ? series.samples : [...samples.value, ...series.samples].slice(-8640);
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        enabled.value = false;
        status.value = null;
      } else problem.value = (e as Error).message;
    }
  }

  function changed(): void {
    if (!watchers || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      last = Date.now();
      void load();
    }, Math.max(0, last + 1000 - Date.now()));
  }

  /** A page showing cloud data calls this on mount; the returned function on unmount. */
  function watch(): () => void {
    watchers++;
    void load();
    return () => {
      watchers--;
    };
  }

  /** Throws the server's refusal (an {@link ApiError} naming the bad setting); reloads the budgets and alerts it changes. */
  async function updateSettings(patch: Record<string, unknown>): Promise<ScalerSettings> {
    const settings = await post<ScalerSettings>('/api/cloud/settings', patch);
    if (status.value) status.value.settings = settings;
    void load();
    return settings;
  }

  /** The cause of an alert is fixed (`boot-deadline-missed`: launches may resume); throws the server's refusal. */
  async function acknowledge(code: string): Promise<void> {
    const answer = await post<{ acknowledged: string; alerts: CloudView['alerts'] }>(`/api/cloud/alerts/${encodeURIComponent(code)}/acknowledge`);
    if (status.value) status.value.alerts = answer.alerts;
    void load();
  }

  async function terminate(ids?: string[]): Promise<{ terminated: string[]; failed: Array<{ id: string; message: string }> }> {
    const answer = await post<{ terminated: string[]; failed: Array<{ id: string; message: string }> }>('/api/cloud/terminate', ids ? { ids } : {});
    void load();
    return answer;
  }

  useLive().subscribe({ cloud: changed, resync: () => (watchers ? void load() : undefined) });

  return { status, enabled, events, samples, spendToday, problem, load, watch, updateSettings, acknowledge, terminate };
});
