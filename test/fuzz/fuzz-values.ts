/**
 * The bad values the fuzz sends: wrong types, huge and odd numbers, deep nesting, huge strings,
 * prototype names, traversal. All drawn from one seeded random, so a seed replays a campaign.
 */
import type { SeededRandom } from '../../core/simulator/random.ts';

export const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf', 'prototype'];

export const ODD_NUMBERS = [0, -0, -1, 1.5, 1e-300, 1e21, 1e308, -1e308, 2 ** 31, 2 ** 31 - 1, 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];

/** JSON texts of numbers JSON.stringify cannot write (parsed as Infinity or rounded). */
export const ODD_NUMBER_TEXTS = ['1e400', '-1e400', '123456789012345678901234567890', '0.0000000000000000000001', '1E+2', '-0.0', '00012'];

export const ODD_ID_SEGMENTS = [
  '..%2F..%2Fetc%2Fpasswd', '..', '.', '%2e%2e', '..%5c..%5cwindows', '1%2F..%2F2', '-1', '0', '1e300', '1.5', '0x10', '%00', '1%00', '%EF%BC%91',
  '99999999999999999999999999', '9007199254740993', 'null', 'undefined', 'NaN', 'Infinity', '%20', '1,2', '[1]', ...PROTOTYPE_NAMES,
];

export function pick<T>(rng: SeededRandom, list: readonly T[]): T {
  return list[Math.floor(rng.next() * list.length)];
}

export function intBetween(rng: SeededRandom, min: number, max: number): number {
  return Math.floor(rng.between(min, max + 1));
}

/** `depth` arrays (or objects) inside each other around `leaf`, as JSON text (built without recursion). */
export function nestedText(depth: number, kind: 'array' | 'object', leaf = '1'): string {
  return kind === 'array' ? '['.repeat(depth) + leaf + ']'.repeat(depth) : '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

/** A JSON text for a value of the wrong kind (or an extreme one of the right kind). */
export function oddValueText(rng: SeededRandom): string {
  switch (intBetween(rng, 0, 11)) {
    case 0:
      return JSON.stringify(pick(rng, ODD_NUMBERS));
    case 1:
      return pick(rng, ODD_NUMBER_TEXTS);
    case 2:
      return pick(rng, ['null', 'true', 'false', '[]', '{}', '""']);
    case 3:
      return JSON.stringify(pick(rng, ['', ' ', 'x', '1', '-1', 'WAITING', 'None', 'true', '\u0000', '\ud800', '..\\..\\', '../../etc/passwd', ...PROTOTYPE_NAMES]));
    case 4:
      return nestedText(pick(rng, [10, 200, 5_000]), 'array');
    case 5:
      return nestedText(pick(rng, [10, 200, 5_000]), 'object');
    case 6:
      return JSON.stringify('y'.repeat(pick(rng, [1_001, 200_000, 2_000_000])));
    case 7:
      return JSON.stringify(Array.from({ length: pick(rng, [5, 5_000]) }, () => pick(rng, ODD_NUMBERS)));
    case 8:
      return `{${PROTOTYPE_NAMES.map((k) => `"${k}": 1`).join(',')}}`;
    case 9:
      return JSON.stringify({ nested: { deeper: [1, 'two', null] } });
    case 10:
      return JSON.stringify('é🎬'.repeat(intBetween(rng, 1, 50)));
    default:
      return JSON.stringify(intBetween(rng, -5, 5));
  }
}

/** Raw bytes that are not valid UTF-8, to put inside a JSON string. */
export function invalidUtf8(rng: SeededRandom): Buffer {
  return Buffer.from(pick(rng, [[0xff], [0xfe, 0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf]]));
}
