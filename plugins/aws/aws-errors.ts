import { ProviderError, type ProviderErrorCode } from '../../core/plugin-api.ts';

/** The error code AWS gave (`InsufficientInstanceCapacity`, `AccessDenied`, …), if any. */
export function awsErrorCode(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  for (const candidate of [e.Code, e.code, e.name]) {
    if (typeof candidate === 'string' && candidate !== 'Error' && candidate !== '') return candidate;
  }
  return undefined;
}

export function awsErrorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * EC2 / STS / S3 / IAM error codes and what the scaler should do about them.
 * Codes from the EC2 API reference "Error codes" page (client errors and the capacity /
 * limit errors RunInstances and CreateFleet return).
 */
const codeMap: Record<string, ProviderErrorCode> = {
  InsufficientInstanceCapacity: 'capacity',
  InsufficientHostCapacity: 'capacity',
  InsufficientCapacity: 'capacity',
  InsufficientReservedInstanceCapacity: 'capacity',
  InsufficientFreeAddressesInSubnet: 'capacity',
  UnfulfillableCapacity: 'capacity',
  SpotMaxPriceTooLow: 'price',
  InstanceLimitExceeded: 'quota',
  VcpuLimitExceeded: 'quota',
  MaxSpotInstanceCountExceeded: 'quota',
  MaxSpotFleetRequestCountExceeded: 'quota',
  ResourceLimitExceeded: 'quota',
  VolumeLimitExceeded: 'quota',
  RequestLimitExceeded: 'throttled',
  Throttling: 'throttled',
  ThrottlingException: 'throttled',
  TooManyRequestsException: 'throttled',
  SlowDown: 'throttled',
  UnauthorizedOperation: 'auth',
  AuthFailure: 'auth',
  AccessDenied: 'auth',
  AccessDeniedException: 'auth',
  InvalidClientTokenId: 'auth',
  SignatureDoesNotMatch: 'auth',
  ExpiredToken: 'auth',
  ExpiredTokenException: 'auth',
  CredentialsProviderError: 'auth',
  OptInRequired: 'auth',
  Blocked: 'auth',
  PendingVerification: 'auth',
  InvalidParameter: 'invalid',
  InvalidParameterValue: 'invalid',
  InvalidParameterCombination: 'invalid',
  MissingParameter: 'invalid',
  Unsupported: 'invalid',
  UnsupportedOperation: 'invalid',
  IdempotentParameterMismatch: 'invalid',
  'InvalidAMIID.NotFound': 'invalid',
  'InvalidAMIID.Malformed': 'invalid',
  'InvalidSubnetID.NotFound': 'invalid',
  'InvalidGroup.NotFound': 'invalid',
  'InvalidKeyPair.NotFound': 'invalid',
  'InvalidInstanceID.Malformed': 'invalid',
  InvalidFleetConfig: 'invalid',
  'InvalidLaunchTemplateName.AlreadyExistsException': 'invalid',
};

export function providerCodeOf(awsCode: string | undefined): ProviderErrorCode {
  if (!awsCode) return 'unknown';
  const known = codeMap[awsCode];
  if (known) return known;
  if (awsCode.startsWith('Insufficient')) return 'capacity';
  if (/LimitExceeded$/.test(awsCode)) return 'quota';
  if (/^Invalid/.test(awsCode)) return 'invalid';
  return 'unknown';
}

/** Turns whatever an AWS call threw into a {@link ProviderError} the scaler understands. */
export function toProviderError(err: unknown, action?: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const awsCode = awsErrorCode(err);
  const code = providerCodeOf(awsCode);
  let message = awsErrorMessage(err);
  if (code === 'auth' && action && !message.includes(action)) message = `${message} (missing permission: ${action})`;
  return new ProviderError(code, message, awsCode);
}

/** Is this error AWS refusing the call for lack of a permission? */
export function isAccessDenied(err: unknown): boolean {
  const awsCode = awsErrorCode(err);
  return awsCode === 'UnauthorizedOperation' || awsCode === 'AccessDenied' || awsCode === 'AccessDeniedException'
    || awsCode === 'AuthorizationError';
}

export function hasCode(err: unknown, ...codes: string[]): boolean {
  const awsCode = awsErrorCode(err);
  return awsCode !== undefined && codes.includes(awsCode);
}

export interface BackoffOptions {
  /** Attempts in all, the first included. */
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  /** Injected so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected so tests are deterministic; returns [0, 1). */
  random?: () => number;
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call`, retrying with full-jitter exponential backoff while AWS says to slow down
 * (RequestLimitExceeded, Throttling, …). The SDK retries a little on its own; this covers
 * the longer bursts a scaler tick can cause. Other errors are thrown at once.
 */
export async function withBackoff<T>(call: () => Promise<T>, opts: BackoffOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 5;
  const base = opts.baseMs ?? 500;
  const max = opts.maxMs ?? 20_000;
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= attempts || providerCodeOf(awsErrorCode(err)) !== 'throttled') throw err;
      const cap = Math.min(max, base * 2 ** (attempt - 1));
      await sleep(Math.floor(random() * cap) + 1);
    }
  }
}

/** Sends with backoff on throttling; AWS errors become ProviderErrors naming the action. */
export async function sendAs<T>(action: string, call: () => Promise<T>, backoff?: BackoffOptions): Promise<T> {
  try {
    return await withBackoff(call, backoff);
  } catch (err) {
    throw toProviderError(err, action);
  }
}
