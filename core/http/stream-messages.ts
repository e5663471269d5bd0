/**
 * The event stream's messages (`GET /api/stream`, Server-Sent Events): the contract between the
 * server and every live client (the web UI, the desktop app, scripts).
 *
 * A client first fetches what it shows from the REST API, then applies these deltas. Changes
 * are coalesced: a burst of 1,000 job ends is a few `jobs` messages, not 1,000. When too much
 * changed at once, or the client fell behind, it gets `resync` and refetches what it shows.
 * After a reconnect a client always refetches (nothing is replayed).
 *
 * ```
 * event: hello    data: {"seq":0,"jobs":1200,"workers":8}
 * event: jobs     data: {"seq":1,"changed":[{"id":12,"state":"FINISHED","progress":1}],"removed":[7]}
 * event: workers  data: {"seq":2,"changed":[{"name":"render-01","state":"WAITING","current_job":0}],"removed":[]}
 * event: cloud    data: {"seq":3}
 * event: resync   data: {"seq":4,"reason":"4000 jobs changed at once"}
 * ```
 */
import type { Job } from '../jobs/job.ts';
import type { WorkerRecord } from '../farm/worker-registry.ts';

/** Every message carries `seq`, growing by one per message sent to this client. */
export interface StreamMessageBase {
  seq: number;
}

/** First message of a stream: how many jobs and workers the farm holds. */
export interface HelloMessage extends StreamMessageBase {
  jobs: number;
  workers: number;
}

/**
 * Jobs that changed: each entry holds `id` and at least the fields whose value changed since
 * the last message that carried that job; a job the stream has not carried before (created,
 * or first changed since the server started) carries all its fields. `removed`: deleted ids.
 */
export interface JobsMessage extends StreamMessageBase {
  changed: Array<Partial<Job> & { id: number }>;
  removed: number[];
}

/** Workers that changed, keyed by name, with the same rules as {@link JobsMessage}. */
export interface WorkersMessage extends StreamMessageBase {
  changed: Array<Partial<WorkerRecord> & { name: string }>;
  removed: string[];
}

/** `GET /api/cloud` (instances, spend, decisions) changed: refetch it when shown. */
export type CloudMessage = StreamMessageBase;

/** Too much changed, or this client fell behind: refetch everything shown. */
export interface ResyncMessage extends StreamMessageBase {
  reason: string;
}

export interface StreamMessages {
  hello: HelloMessage;
  jobs: JobsMessage;
  workers: WorkersMessage;
  cloud: CloudMessage;
  resync: ResyncMessage;
}

export type StreamEventName = keyof StreamMessages;
