import { DescribeSpotPriceHistoryCommand, type EC2Client, type SpotPrice } from '@aws-sdk/client-ec2';
import { GetProductsCommand, type PricingClient } from '@aws-sdk/client-pricing';
import type { PluginLogger, PriceQuote } from '../../core/plugin-api.ts';
import { withBackoff, type BackoffOptions } from './aws-errors.ts';
import type { AwsSettings } from './aws-settings.ts';

export interface PriceBookDeps {
  ec2: EC2Client;
  /** A Price List client: the Price List API answers in us-east-1 (and ap-south-1) only. */
  pricing?: PricingClient;
  settings: AwsSettings;
  logger: PluginLogger;
  now?: () => number;
  backoff?: BackoffOptions;
}

/**
 * Spot prices from DescribeSpotPriceHistory (latest per type and zone), on-demand prices from
 * `ondemandprice.<type>` settings or the AWS Price List; all cached for `pricettl` seconds.
 */
export class PriceBook {
  private cache?: { at: number; quotes: PriceQuote[] };
  private readonly onDemandCache = new Map<string, number | null>();
  private readonly now: () => number;

  constructor(private readonly deps: PriceBookDeps) {
    this.now = deps.now ?? Date.now;
  }

  async quotes(): Promise<PriceQuote[]> {
    const ttl = this.deps.settings.priceTtlSeconds * 1000;
    if (this.cache && this.now() - this.cache.at < ttl) return this.cache.quotes;
    const at = this.now();
    const types = this.deps.settings.instanceTypes;
    const quotes: PriceQuote[] = [];
    for (const type of types) {
      const perHour = await this.onDemand(type);
      if (perHour !== null) quotes.push({ instanceType: type, market: 'on-demand', perHour, at });
    }
    if (this.deps.settings.spot) {
      const spot = await this.spot(types);
      for (const [type, perHour] of spot) quotes.push({ instanceType: type, market: 'spot', perHour, at });
    }
    this.cache = { at, quotes };
    return quotes;
  }

  /** The latest spot price per instance type (the cheapest zone unless a zone is set). */
  async spot(types: string[]): Promise<Map<string, number>> {
    const latest = new Map<string, SpotPrice>();
    const az = this.deps.settings.availabilityZone;
    let NextToken: string | undefined;
    try {
      do {
        const page = await withBackoff(() => this.deps.ec2.send(new DescribeSpotPriceHistoryCommand({
          InstanceTypes: types as never,
          ProductDescriptions: ['Linux/UNIX'],
          // A start time of now returns the price in effect now for each pool.
          StartTime: new Date(this.now()),
          ...(az ? { AvailabilityZone: az } : {}),
          NextToken,
        })), this.deps.backoff);
        for (const p of page.SpotPriceHistory ?? []) {
          const key = `${p.InstanceType}/${p.AvailabilityZone}`;
          const seen = latest.get(key);
          if (!seen || (p.Timestamp?.getTime() ?? 0) > (seen.Timestamp?.getTime() ?? 0)) latest.set(key, p);
        }
        NextToken = page.NextToken || undefined;
      } while (NextToken);
    } catch (err) {
      this.deps.logger.warn({ err: String(err) }, 'spot prices unavailable (ec2:DescribeSpotPriceHistory)');
      return new Map();
    }
    const out = new Map<string, number>();
    for (const p of latest.values()) {
      const price = Number(p.SpotPrice);
      if (!p.InstanceType || !Number.isFinite(price)) continue;
      const best = out.get(p.InstanceType);
      if (best === undefined || price < best) out.set(p.InstanceType, price);
    }
    return out;
  }

  /** On-demand Linux price per hour in USD, or null when unknown. */
  async onDemand(type: string): Promise<number | null> {
    const configured = this.deps.settings.onDemandPrices[type];
    if (configured !== undefined) return configured;
    if (this.onDemandCache.has(type)) return this.onDemandCache.get(type) ?? null;
    let price: number | null = null;
    if (this.deps.pricing) {
      try {
        const res = await withBackoff(() => this.deps.pricing!.send(new GetProductsCommand({
          ServiceCode: 'AmazonEC2',
          Filters: [
            { Type: 'TERM_MATCH', Field: 'instanceType', Value: type },
            { Type: 'TERM_MATCH', Field: 'regionCode', Value: this.deps.settings.region },
            { Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' },
            { Type: 'TERM_MATCH', Field: 'tenancy', Value: 'Shared' },
            { Type: 'TERM_MATCH', Field: 'preInstalledSw', Value: 'NA' },
            { Type: 'TERM_MATCH', Field: 'capacitystatus', Value: 'Used' },
            { Type: 'TERM_MATCH', Field: 'licenseModel', Value: 'No License required' },
          ],
          MaxResults: 10,
        })), this.deps.backoff);
        price = onDemandPriceFromPriceList(res.PriceList ?? []);
      } catch (err) {
        this.deps.logger.warn({ instanceType: type, err: String(err) }, 'on-demand price unavailable (pricing:GetProducts); set ondemandprice.<type> in the settings');
      }
    }
    if (price === null) this.deps.logger.warn({ instanceType: type }, 'no on-demand price for this instance type');
    this.onDemandCache.set(type, price);
    return price;
  }
}

/** Reads `terms.OnDemand.*.priceDimensions.*.pricePerUnit.USD` from Price List product JSON. */
export function onDemandPriceFromPriceList(priceList: Array<string | object>): number | null {
  for (const item of priceList) {
    const product = (typeof item === 'string' ? JSON.parse(item) : item) as {
      terms?: { OnDemand?: Record<string, { priceDimensions?: Record<string, { pricePerUnit?: { USD?: string }; unit?: string }> }> };
    };
    for (const term of Object.values(product.terms?.OnDemand ?? {})) {
      for (const dim of Object.values(term.priceDimensions ?? {})) {
        const usd = Number(dim.pricePerUnit?.USD);
        if (Number.isFinite(usd) && usd > 0) return usd;
      }
    }
  }
  return null;
}
