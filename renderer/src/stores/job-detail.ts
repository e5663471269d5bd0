import { defineStore } from 'pinia';
import { ref } from 'vue';
import { get } from '../api/http.ts';
import type { Job, JobEvent, JobsMessage } from '../api/types.ts';
import { useLive } from './live.ts';

/** The job shown on its own page, its dependencies and its runs, kept live from the stream. */
export const useJobDetail = defineStore('jobDetail', () => {
  const id = ref(0);
  const job = ref<Job | null>(null);
  const dependencies = ref<Job[]>([]);
  const runs = ref<JobEvent[]>([]);
  const problem = ref('');
  /** Bumped on every change of the shown job (the log follows it). */
  const tick = ref(0);
  let runsState = '';

  async function load(jobId: number): Promise<void> {
    if (jobId !== id.value) {
      job.value = null;
      dependencies.value = [];
      runs.value = [];
    }
    id.value = jobId;
    try {
      const [j, deps, events] = await Promise.all([
        get<Job>(`/api/jobs/${jobId}`),
        get<Job[]>(`/api/jobs/${jobId}/dependencies`),
        get<JobEvent[]>('/api/events', { query: { job: jobId } }),
      ]);
      if (jobId !== id.value) return;
      job.value = j;
      dependencies.value = deps;
      runs.value = events.reverse();
      runsState = j.state;
      problem.value = '';
    } catch (e) {
      problem.value = (e as Error).message;
    }
  }

  async function reloadRuns(): Promise<void> {
    const events = await get<JobEvent[]>('/api/events', { query: { job: id.value } }).catch(() => undefined);
    if (events) runs.value = events.reverse();
  }

  function applyDelta(message: JobsMessage): void {
    if (!id.value) return;
    if (message.removed.includes(id.value)) {
      problem.value = `job ${id.value} was deleted`;
      job.value = null;
      return;
    }
    const change = message.changed.find((c) => c.id === id.value);
    if (!change || !job.value) return;
    Object.assign(job.value, change);
    tick.value++;
    if (job.value.state !== runsState) {
      runsState = job.value.state;
      void reloadRuns();
    }
    if (change.dependencies) void get<Job[]>(`/api/jobs/${id.value}/dependencies`).then((d) => (dependencies.value = d)).catch(() => {});
  }

  function close(): void {
    id.value = 0;
  }

  useLive().subscribe({ jobs: applyDelta, resync: () => (id.value ? void load(id.value) : undefined) });

  return { id, job, dependencies, runs, problem, tick, load, close };
});
