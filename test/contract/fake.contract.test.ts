import { pino } from 'pino';
import { FakeCloud } from './fake-cloud.ts';
import { FakeCloudProvider } from './fake-cloud-provider.ts';
import { runProviderContract } from './provider-contract.ts';

runProviderContract('fake cloud over HTTP', async ({ capacity }) => {
  const cloud = new FakeCloud();
  if (capacity !== undefined) cloud.capacity = capacity;
  const url = await cloud.start();
  const farmId = `farm-${Date.now()}`;
  return {
    provider: new FakeCloudProvider(url, pino({ level: 'silent' })),
    farmId,
    cleanup: () => cloud.stop(),
    injectUnknownState: async () => cloud.inject({ state: 'hibernating', tags: { 'coalition:farm': farmId } }).id,
  };
});
