import { defaultScalerSettings } from '../../core/scaler/settings.ts';
import type { InstanceRecord, OfferView, ScalerSettings, ScalerSnapshot, WorkerView } from '../../core/scaler/types.ts';

export const NOW = 1_700_000_000_000;
export const s = (seconds: number) => seconds * 1000;

export const linux: OfferView = { name: 'c6a.large', slots: 1, affinities: ['linux'], bootSeconds: 90, prices: { 'on-demand': 0.08, spot: 0.03 } };
export const linux4: OfferView = { name: 'c6a.2xlarge', slots: 4, affinities: ['linux'], bootSeconds: 90, prices: { 'on-demand': 0.3, spot: 0.1 } };
export const gpu: OfferView = { name: 'g4dn.xlarge', slots: 1, affinities: ['gpu', 'linux'], bootSeconds: 120, prices: { 'on-demand': 0.5, spot: 0.2 } };

export function settings(patch: Partial<ScalerSettings> = {}): ScalerSettings {
  return { ...defaultScalerSettings, ...patch };
}

export function snapshot(patch: Partial<ScalerSnapshot> = {}): ScalerSnapshot {
  return { now: NOW, demand: [], workers: [], instances: [], offers: [linux], settings: settings(), backoffs: [], ...patch };
}

let n = 0;
/** A record of an instance launched `agoSeconds` ago; `ready` adds `becameWorkerAt`. */
export function record(agoSeconds: number, patch: Partial<InstanceRecord> = {}): InstanceRecord {
  n++;
  return {
    intentId: `intent-${n}`,
    instanceId: `i-${n}`,
    instanceType: linux.name,
    market: 'spot',
    state: 'ready',
    launchedAt: NOW - s(agoSeconds),
    workerName: `cloud-${n}`,
    becameWorkerAt: NOW - s(agoSeconds) + s(90),
    perHour: 0.03,
    slots: 1,
    ...patch,
  };
}

export function workerOf(r: InstanceRecord, patch: Partial<WorkerView> = {}): WorkerView {
  return { name: r.workerName, affinities: ['linux'], busy: false, idleSince: r.becameWorkerAt, instanceId: r.instanceId, ...patch };
}
