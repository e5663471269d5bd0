/**
 * Every limit the server and the worker enforce, in one place (README "Limits" lists them).
 * A request past one gets a 4xx whose message names the limit.
 */

/** Largest JSON or form body of the REST API (a 10,000-frame tree is ~3 MB). */
export const API_BODY_LIMIT_BYTES = 64 * 1024 * 1024;
/** Largest body of a worker protocol call (`/workers/*`). */
export const WORKER_BODY_LIMIT_BYTES = 4 * 1024 * 1024;
/** Largest log chunk in one heartbeat or endjob, characters (the worker sends 256 K at most). */
export const LOG_CHUNK_LIMIT_CHARS = 1_000_000;
/** Per-core load values in one worker report. */
export const WORKER_CPU_LIMIT = 4096;
/** Worker names, in the protocol and in API lists. */
export const WORKER_NAME_LIMIT_CHARS = 200;
/** A worker's affinity list, as reported. */
export const WORKER_AFFINITY_LIMIT_CHARS = 10_000;
/** The per-process instance id a worker sends with each call. */
export const WORKER_INSTANCE_LIMIT_CHARS = 100;

/** Job ids are whole numbers from 1 to this (the largest integer a JSON client reads exactly). */
export const MAX_JOB_ID = Number.MAX_SAFE_INTEGER;
/** Longest job timeout, seconds (one year); 0 means none. */
export const MAX_JOB_TIMEOUT_SECONDS = 365 * 86400;

/** Each job's log: past this, the first quarter and the last part are kept, with a marker. */
export const JOB_LOG_LIMIT_BYTES = 32 * 1024 * 1024;

/** Open event streams per token (per client address when auth is off); config `streamspertoken`. */
export const STREAMS_PER_TOKEN = 100;
/** Bytes queued for one stream client before it counts as fallen behind. */
export const STREAM_BACKLOG_BYTES = 1024 * 1024;
/** A client behind for this long is disconnected (it reconnects and refetches). */
export const STREAM_STALL_MS = 30_000;
/** Changes are gathered for this long into one message. */
export const STREAM_COALESCE_MS = 100;
/** More jobs than this changed in one message: `resync` instead. */
export const STREAM_MAX_JOBS_PER_MESSAGE = 2_000;
/** Jobs whose last streamed fields are remembered (to send only what changed); beyond, whole jobs. */
export const STREAM_REMEMBERED_JOBS = 100_000;

/** HTTP: time to receive a request's headers, its whole body, and the longest silence on a connection. */
export const HEADERS_TIMEOUT_MS = 20_000;
export const REQUEST_TIMEOUT_MS = 120_000;
export const IDLE_TIMEOUT_MS = 30_000;
