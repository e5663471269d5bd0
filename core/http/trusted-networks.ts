import { BlockList, isIP } from 'node:net';
import { validationError } from '../errors.ts';

/**
 * What a request without a token may do from a trusted network (`trustednetworks`): submit
 * jobs and read them, as the old submitters of a studio LAN do. Everything else (editing,
 * deleting, workers, the cloud) still needs a token.
 */
const TRUSTED_CALLS: Array<[method: string, path: RegExp]> = [
  ['GET', /^\/api\/jobs(\/\d+(\/(children|dependencies|log))?)?$/],
  ['PUT', /^\/api\/jobs$/],
  ['GET', /^\/json\/getjobs$/],
  ['GET', /^\/(json|xmlrpc)\/addjob$/],
  ['POST', /^\/(json|xmlrpc)\/addjob$/],
];

/** The `trustednetworks` setting: a comma- or space-separated list of CIDR blocks (empty by default). */
export class TrustedNetworks {
  private constructor(
    private readonly blocks: BlockList,
    readonly cidrs: readonly string[],
  ) {}

  /** Parses `10.0.0.0/8, 192.168.1.0/24, fd00::/8`; a bare address is one host. Throws naming a bad entry. */
  static parse(text: string): TrustedNetworks {
    const blocks = new BlockList();
    const cidrs = text.split(/[\s,]+/).filter(Boolean);
    for (const cidr of cidrs) {
      const [address, bits, extra] = cidr.split('/');
      const family = isIP(address);
      const max = family === 4 ? 32 : 128;
      const prefix = bits === undefined ? max : /^\d+$/.test(bits) ? Number(bits) : NaN;
      if (!family || extra !== undefined || !(prefix >= 0 && prefix <= max)) throw validationError(`"${cidr}" is not a CIDR block like 10.0.0.0/8 or fd00::/8`);
      blocks.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    }
    return new TrustedNetworks(blocks, cidrs);
  }

  get empty(): boolean {
    return this.cidrs.length === 0;
  }

  /** Whether the caller's address is in a trusted network (IPv4-mapped IPv6 addresses count as IPv4). */
  contains(address: string | undefined): boolean {
    if (!address || this.empty) return false;
    const v4 = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(v4);
    return family !== 0 && this.blocks.check(v4, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** Whether a tokenless request from `address` may make this call. */
  allows(address: string | undefined, method: string, path: string): boolean {
    if (!this.contains(address)) return false;
    const m = method === 'HEAD' ? 'GET' : method;
    return TRUSTED_CALLS.some(([allowed, pattern]) => allowed === m && pattern.test(path));
  }
}
