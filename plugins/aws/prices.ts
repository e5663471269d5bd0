import { DescribeSpotPriceHistoryCommand, type EC2Client, type SpotPrice } from '@aws-sdk/client-ec2';
import { GetProductsCommand, type PricingClient } from '@aws-sdk/client-pricing';
import type { MissingPrice, PluginLogger, PriceQuote } from '../../core/plugin-api.ts';
import { awsErrorMessage, withBackoff, type BackoffOptions } from './aws-errors.ts';
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
 * `ondemandprice.<type>` settings or the AWS Price List; all cached for `pricettl` seconds —
 * a failed lookup too, so it is tried again after that long, never given up on.
 */
export class PriceBook {
  private cache?: { at: number; quotes: PriceQuote[] };
  private readonly onDemandCache = new Map<string, { at: number; price: number | null; why?: string }>();
  private spotFailure?: string;
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

  /** The offered types and markets the last quotes left out, each with what failed and the setting that fixes it. */
  missing(): MissingPrice[] {
    const quoted = new Set((this.cache?.quotes ?? []).map((q) => `${q.instanceType}|${q.market}`));
    const out: MissingPrice[] = [];
    for (const type of this.deps.settings.instanceTypes) {
      if (!quoted.has(`${type}|on-demand`)) {
        const why = this.onDemandCache.get(type)?.why ?? 'not looked up yet';
        out.push({ instanceType: type, market: 'on-demand', reason: `no price for ${type} on-demand (${why}); set ondemandprice.${type}` });
      }
      if (this.deps.settings.spot && !quoted.has(`${type}|spot`)) {
        const why = this.spotFailure ?? `no spot price history for ${type} in ${this.deps.settings.availabilityZone ?? this.deps.settings.region}`;
        out.push({ instanceType: type, market: 'spot', reason: `no price for ${type} spot (${why})` });
      }
    }
    return out;
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
      this.spotFailure = `spot price history unreachable: ${awsErrorMessage(err)}`;
      this.deps.logger.warn({ err: String(err) }, 'spot prices unavailable (ec2:DescribeSpotPriceHistory)');
      return new Map();
    }
    this.spotFailure = undefined;
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
    const cached = this.onDemandCache.get(type);
    if (cached && this.now() - cached.at < this.deps.settings.priceTtlSeconds * 1000) return cached.price;
    let price: number | null = null;
    let why = 'no price list client';
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
        why = `the price list has no Linux on-demand price for it in ${this.deps.settings.region}`;
      } catch (err) {
        why = `price list unreachable: ${awsErrorMessage(err)}`;
      }
    }
    if (price === null) this.deps.logger.warn({ instanceType: type }, `no on-demand price for ${type} (${why}); set ondemandprice.${type} in the AWS settings`);
    this.onDemandCache.set(type, { at: this.now(), price, ...(price === null ? { why } : {}) });
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
