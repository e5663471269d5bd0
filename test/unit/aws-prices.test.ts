import { DescribeSpotPriceHistoryCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { awsErrorCode, providerCodeOf, toProviderError, withBackoff } from '../../plugins/aws/aws-errors.ts';
import { defaultAwsSettings, type AwsSettings } from '../../plugins/aws/aws-settings.ts';
import { onDemandPriceFromPriceList, PriceBook } from '../../plugins/aws/prices.ts';
import { awsError } from './aws-fake-ec2.ts';

// aws-sdk-client-mock here: moto's server does not serve the Price List API (pricing:GetProducts),
// and its spot price history is a constant; these cases need answers moto cannot give.
const ec2Mock = mockClient(EC2Client);
const pricingMock = mockClient(PricingClient);
const ec2 = new EC2Client({ region: 'eu-west-3' });
const pricing = new PricingClient({ region: 'us-east-1' });
const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn() };
let now = 1_700_000_000_000;

const product = (usd: string) => JSON.stringify({
  product: { attributes: { instanceType: 'c6i.large', regionCode: 'eu-west-3' } },
  terms: { OnDemand: { 'SKU.JRTCKXETXF': { priceDimensions: { 'SKU.JRTCKXETXF.6YS6EN2CT7': { unit: 'Hrs', pricePerUnit: { USD: usd } } } } } },
});

function book(over: Partial<AwsSettings> = {}) {
  return new PriceBook({ ec2, pricing, logger, now: () => now, settings: { ...defaultAwsSettings, region: 'eu-west-3', instanceTypes: ['c6i.large', 'c6i.xlarge'], ...over } });
}

beforeEach(() => {
  ec2Mock.reset();
  pricingMock.reset();
  logger.warn.mockClear();
});
afterEach(() => {
  ec2Mock.reset();
  pricingMock.reset();
});

describe('prices', () => {
  it('takes the latest spot price per type and zone, the cheapest zone per type, across pages', async () => {
    const t = (s: string) => new Date(`2026-01-01T${s}:00Z`);
    ec2Mock.on(DescribeSpotPriceHistoryCommand)
      .resolvesOnce({
        SpotPriceHistory: [
          { InstanceType: 'c6i.large', AvailabilityZone: 'eu-west-3a', SpotPrice: '0.030', Timestamp: t('10:00') },
          { InstanceType: 'c6i.large', AvailabilityZone: 'eu-west-3a', SpotPrice: '0.020', Timestamp: t('08:00') },
        ],
        NextToken: 'page2',
      })
      .resolvesOnce({
        SpotPriceHistory: [
          { InstanceType: 'c6i.large', AvailabilityZone: 'eu-west-3b', SpotPrice: '0.041', Timestamp: t('10:00') },
          { InstanceType: 'c6i.xlarge', AvailabilityZone: 'eu-west-3b', SpotPrice: '0.070', Timestamp: t('09:00') },
        ],
      });
    const spot = await book().spot(['c6i.large', 'c6i.xlarge']);
    expect(Object.fromEntries(spot)).toEqual({ 'c6i.large': 0.03, 'c6i.xlarge': 0.07 });
    const input = ec2Mock.commandCalls(DescribeSpotPriceHistoryCommand)[0].args[0].input;
    expect(input).toMatchObject({ InstanceTypes: ['c6i.large', 'c6i.xlarge'], ProductDescriptions: ['Linux/UNIX'] });
    expect(ec2Mock.commandCalls(DescribeSpotPriceHistoryCommand)[1].args[0].input.NextToken).toBe('page2');
  });

  it('reads on-demand prices from the settings first, else from the Price List', async () => {
    pricingMock.on(GetProductsCommand).resolves({ PriceList: [product('0.1920000000')] });
    ec2Mock.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [] });
    const quotes = await book({ onDemandPrices: { 'c6i.large': 0.1 } }).quotes();
    expect(quotes.filter((q) => q.market === 'on-demand').map((q) => [q.instanceType, q.perHour])).toEqual([['c6i.large', 0.1], ['c6i.xlarge', 0.192]]);
    const filters = pricingMock.commandCalls(GetProductsCommand)[0].args[0].input.Filters!;
    expect(filters).toEqual(expect.arrayContaining([
      { Type: 'TERM_MATCH', Field: 'instanceType', Value: 'c6i.xlarge' },
      { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'eu-west-3' },
      { Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' },
      { Type: 'TERM_MATCH', Field: 'capacitystatus', Value: 'Used' },
    ]));
    expect(pricingMock.commandCalls(GetProductsCommand)[0].args[0].input.ServiceCode).toBe('AmazonEC2');
  });

  it('caches quotes for pricettl seconds', async () => {
    ec2Mock.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [{ InstanceType: 'c6i.large', AvailabilityZone: 'a', SpotPrice: '0.03', Timestamp: new Date(now) }] });
    const prices = book({ onDemandPrices: { 'c6i.large': 0.1, 'c6i.xlarge': 0.2 }, priceTtlSeconds: 600 });
    const first = await prices.quotes();
    now += 599_000;
    expect(await prices.quotes()).toBe(first);
    expect(ec2Mock.commandCalls(DescribeSpotPriceHistoryCommand)).toHaveLength(1);
    now += 2_000;
    await prices.quotes();
    expect(ec2Mock.commandCalls(DescribeSpotPriceHistoryCommand)).toHaveLength(2);
  });

  it('without spot, quotes on-demand only', async () => {
    const quotes = await book({ spot: false, onDemandPrices: { 'c6i.large': 0.1, 'c6i.xlarge': 0.2 } }).quotes();
    expect(quotes.every((q) => q.market === 'on-demand')).toBe(true);
    expect(ec2Mock.commandCalls(DescribeSpotPriceHistoryCommand)).toHaveLength(0);
  });

  it('a refused price lookup is logged with the permission and leaves the type unpriced', async () => {
    pricingMock.on(GetProductsCommand).rejects(awsError('AccessDeniedException', 'User is not authorized to perform: pricing:GetProducts'));
    ec2Mock.on(DescribeSpotPriceHistoryCommand).rejects(awsError('UnauthorizedOperation'));
    const quotes = await book({ instanceTypes: ['c6i.large'] }).quotes();
    expect(quotes).toEqual([]);
    expect(logger.warn.mock.calls.map((c) => c[1]).join(' ')).toMatch(/pricing:GetProducts[\s\S]*ec2:DescribeSpotPriceHistory|ec2:DescribeSpotPriceHistory[\s\S]*pricing:GetProducts/);
  });

  it('tries a failed on-demand lookup again after pricettl, and says why and what to set meanwhile', async () => {
    pricingMock.on(GetProductsCommand).rejectsOnce(new Error('getaddrinfo ENOTFOUND api.pricing.us-east-1.amazonaws.com')).resolves({ PriceList: [product('0.0960000000')] });
    ec2Mock.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [] });
    const prices = book({ instanceTypes: ['m5.large'], spot: false, priceTtlSeconds: 600 });
    expect(await prices.quotes()).toEqual([]);
    expect(prices.missing()).toEqual([{
      instanceType: 'm5.large', market: 'on-demand',
      reason: 'no price for m5.large on-demand (price list unreachable: getaddrinfo ENOTFOUND api.pricing.us-east-1.amazonaws.com); set ondemandprice.m5.large',
    }]);
    now += 599_000;
    expect(await prices.quotes()).toEqual([]); // still within pricettl: not asked again
    expect(pricingMock.commandCalls(GetProductsCommand)).toHaveLength(1);
    now += 2_000;
    expect((await prices.quotes()).map((q) => [q.instanceType, q.market, q.perHour])).toEqual([['m5.large', 'on-demand', 0.096]]);
    expect(prices.missing()).toEqual([]);
  });

  it('parses the Price List product JSON', () => {
    expect(onDemandPriceFromPriceList([product('0.0960000000')])).toBe(0.096);
    expect(onDemandPriceFromPriceList([])).toBeNull();
  });
});

describe('AWS errors', () => {
  it('reads the code from SDK errors', () => {
    expect(awsErrorCode(awsError('VcpuLimitExceeded'))).toBe('VcpuLimitExceeded');
    expect(awsErrorCode(new Error('plain'))).toBeUndefined();
  });

  it('maps families of codes it does not list', () => {
    expect(providerCodeOf('InsufficientSomethingNewCapacity')).toBe('capacity');
    expect(providerCodeOf('NetworkInterfaceLimitExceeded')).toBe('quota');
    expect(providerCodeOf('InvalidKeyPair.Duplicate')).toBe('invalid');
  });

  it('names the action when the error is about permissions', () => {
    const e = toProviderError(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.'), 'ec2:CreateFleet');
    expect(e).toMatchObject({ code: 'auth', providerCode: 'UnauthorizedOperation' });
    expect(e.message).toContain('ec2:CreateFleet');
  });

  it('backs off only on throttling', async () => {
    const sleeps: number[] = [];
    const opts = { sleep: async (ms: number) => { sleeps.push(ms); }, random: () => 0.5, baseMs: 100 };
    let n = 0;
    await expect(withBackoff(async () => { n++; throw awsError('InsufficientInstanceCapacity'); }, opts)).rejects.toThrow();
    expect(n).toBe(1);
    n = 0;
    expect(await withBackoff(async () => { if (++n < 4) throw awsError('Throttling'); return 'ok'; }, opts)).toBe('ok');
    expect(sleeps).toEqual([51, 101, 201]);
  });
});
