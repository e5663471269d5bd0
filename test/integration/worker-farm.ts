/**
 * What the worker integration tests ask of a real server: submit a job, read it back, read its
 * log and the workers, through the public HTTP API.
 */
import { api } from '../helpers/processes.ts';

export { processGone } from '../helpers/processes.ts';

export interface JobView {
  id: number;
  state: string;
  worker: string;
  run_done: number;
}

export interface WorkerView {
  name: string;
  state: string;
}

export async function submitJob(server: string, fields: Record<string, unknown>): Promise<number> {
  const { status, body } = await api<number>(server, 'PUT', '/api/jobs', { retry: 0, ...fields });
  if (status !== 200) throw new Error(`PUT /api/jobs answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

export async function jobOf(server: string, id: number): Promise<JobView> {
  return (await api<JobView>(server, 'GET', `/api/jobs/${id}`)).body;
}

export async function logOf(server: string, id: number): Promise<string> {
  return (await api<string>(server, 'GET', `/api/jobs/${id}/log`)).body ?? '';
}

export async function workerOf(server: string, name: string): Promise<WorkerView | undefined> {
  return (await api<WorkerView[]>(server, 'GET', '/api/workers')).body.find((worker) => worker.name === name);
}


/** Shell snippet: wait until the file `release` exists in the job's directory. */
export const untilReleased = 'while [ ! -f release ]; do sleep 0.05; done';
