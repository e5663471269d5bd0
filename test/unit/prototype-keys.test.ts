/** Lookup tables keyed by what users send or write never answer with Object.prototype's members. */
import { describe, expect, it } from 'vitest';
import { resolveServerConfig, SERVER_DEFAULTS } from '../../core/config.ts';
import { parseJobInput } from '../../core/jobs/job-input.ts';
import { renderTemplate } from '../../core/plugin-api.ts';

const inherited = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', '__defineGetter__'];

describe('prototype names as keys', () => {
  it('are unknown job fields, named as sent', () => {
    for (const key of inherited) {
      const raw = JSON.parse(`{"title": "t", "command": "true", "${key}": "x"}`) as unknown;
      expect(() => parseJobInput(raw), key).toThrow(`unknown field(s) "${key}"`);
    }
  });

  it('are ignored config keys', () => {
    const config = resolveServerConfig([{ source: 'coalition.ini', values: Object.fromEntries(inherited.map((k) => [k, '1'])) }]);
    expect(Object.keys(config)).toEqual(Object.keys(SERVER_DEFAULTS));
    expect(String(config)).toBe('[object Object]');
  });

  it('are missing template variables', () => {
    expect(() => renderTemplate('{{constructor}} {{toString}}', {})).toThrow('template variable(s) with no value: constructor, toString');
  });
});
