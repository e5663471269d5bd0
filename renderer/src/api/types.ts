/** The server's types, as the page sees them (types only: nothing from core runs here). */
export type { Job, JobState } from '../../../core/jobs/job.ts';
export type { JobRow, JobViewPage } from '../../../core/farm/job-view.ts';
export type { WorkerRecord } from '../../../core/farm/worker-registry.ts';
export type { JobEvent } from '../../../core/farm/event-log.ts';
export type { SessionInfo } from '../../../core/http/session-routes.ts';
export type { StreamMessages, StreamEventName, JobsMessage, WorkersMessage } from '../../../core/http/stream-messages.ts';
export type { CloudStatus, InstanceStatus } from '../../../core/scaler/cloud-status.ts';
export type { ScalerEvent } from '../../../core/scaler/event-history.ts';
export type { ScalerSettings } from '../../../core/scaler/types.ts';
export type { CloudSample } from '../../../core/cloud/cloud-series.ts';
export type { PlannedAction, StepOutcome, StepField } from '../../../core/plugin-api.ts';
export type { DesktopBridge } from '../../../core/desktop-bridge.ts';

import type { JobState } from '../../../core/jobs/job.ts';
import type { WorkerRecord } from '../../../core/farm/worker-registry.ts';
import type { StepField } from '../../../core/plugin-api.ts';

export const JOB_STATES: readonly JobState[] = ['WAITING', 'PENDING', 'WORKING', 'FINISHED', 'ERROR', 'PAUSED'];

/** `GET /api/workers` sends `cpu` as JSON text and `active` as 1/0 (old API); the stream sends them as they are. */
export type WorkerWire = Omit<WorkerRecord, 'cpu' | 'active'> & { cpu: string | number[]; active: number | boolean };

export interface Facets {
  users: string[];
  affinities: string[];
  workers: string[];
  states: JobState[];
}

export interface PluginInfo {
  name: string;
  version: string;
  state: string;
  error?: string;
  providers: string[];
  wizards: string[];
}

export interface WizardInfo {
  id: string;
  title: string;
  plugin: string;
  steps: Array<{ id: string; title: string; fields: StepField[] }>;
}
