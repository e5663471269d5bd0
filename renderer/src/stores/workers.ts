import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { get } from '../api/http.ts';
import type { WorkerRecord, WorkerWire, WorkersMessage } from '../api/types.ts';
import { useLive } from './live.ts';

/** The old API sends `cpu` as JSON text and `active` as 1/0; the page keeps the record's types. */
export function normalizeWorker(w: Partial<WorkerWire> & { name: string }): Partial<WorkerRecord> & { name: string } {
  const out = { ...w } as Partial<WorkerRecord> & { name: string };
  if (typeof w.cpu === 'string') {
    try {
      out.cpu = JSON.parse(w.cpu) as number[];
    } catch {
      out.cpu = [];
    }
  }
  if (w.active !== undefined) out.active = w.active === true || w.active === 1;
  return out;
}

/** The workers, fetched once and kept live from the stream. */
export const useWorkers = defineStore('workers', () => {
  const byName = ref(new Map<string, WorkerRecord>());
  const ready = ref(false);
  const problem = ref('');
  const list = computed(() => [...byName.value.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true })));

  async function load(): Promise<void> {
    try {
      const answer = await get<WorkerWire[]>('/api/workers');
      byName.value = new Map(answer.map((w) => [w.name, normalizeWorker(w) as WorkerRecord]));
      ready.value = true;
      problem.value = '';
    } catch (e) {
      problem.value = (e as Error).message;
    }
  }

  function applyDelta(message: WorkersMessage): void {
    for (const change of message.changed) {
      const known = byName.value.get(change.name);
      const fields = normalizeWorker(change as WorkerWire);
      if (known) Object.assign(known, fields);
      else byName.value.set(change.name, fields as WorkerRecord);
    }
    for (const name of message.removed) byName.value.delete(name);
  }

  useLive().subscribe({ workers: applyDelta, resync: () => (ready.value ? void load() : undefined) });

  return { byName, list, ready, problem, load, applyDelta };
});
