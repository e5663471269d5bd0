/**
 * What the scaler service needs from the server. The server implements {@link ScalerHost}
 * over its job queue, workers, tokens and store; tests use fakes.
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { GuardState } from './cloud-guard.ts';
import type { SpendBook } from './spend.ts';
import type { ArrivalHistory, DemandGroup, InstanceRecord, ScalerSettings, WorkerView } from './types.ts';

/** Where instance records live (persisted by the host's store). Keyed by `intentId`. */
export interface InstanceRepository {
  list(): Promise<InstanceRecord[]>;
  /** Inserts or replaces the record with this `intentId`. */
  put(record: InstanceRecord): Promise<void>;
  remove(intentId: string): Promise<void>;
}

export interface DemandSnapshot {
  /** Runnable jobs (WAITING, dependencies done, not paused) grouped by affinity set. */
  demand: DemandGroup[];
  /** Per affinity set, when jobs recently became runnable (a few dozen timestamps). */
  arrivals?: ArrivalHistory[];
  /** Jobs running now. */
  runningJobs?: number;
}

export interface ScalerHost {
  readonly farmId: string;
  /** The URL started workers must reach. */
  readonly serverUrl: string;
  readonly clock: Clock;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  readonly instanceRecords: InstanceRepository;
  snapshotDemand(): Promise<DemandSnapshot> | DemandSnapshot;
  /** Every worker slot the server knows (cloud or not), with busy/idle and spot-interruption flags. */
  snapshotWorkers(): Promise<WorkerView[]> | WorkerView[];
  /** A token the server accepts only for this worker, to put in the instance's bootstrap. */
  issueWorkerToken(workerName: string): Promise<string> | string;
  /** Forgets the token of a worker whose instance is gone or never started (optional). */
  revokeWorkerToken?(workerName: string): Promise<void> | void;
  /** Persists the scaler's state: settings changed through the API, totals, the runaway guard (optional). */
  saveState?(state: PersistedScalerState): Promise<void> | void;
  /** Where spend is kept; without it spend is not tracked (optional). */
  readonly spend?: SpendBook;
}

/** What the scaler keeps across restarts. */
export interface PersistedScalerState {
  /** Settings changed through the API; they override the config files. */
  settingsPatch: Partial<ScalerSettings>;
  counters: ScalerCounters;
  guard: GuardState;
}

export interface ScalerCounters {
  launches: number;
  launchFailures: number;
  terminations: number;
  interruptions: number;
  orphans: number;
}
