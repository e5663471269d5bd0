import { CoalitionError, validationError } from '../errors.ts';

/**
 * The old `commandwhitelist` of coalition.ini: regular expressions, one a line; lines before any
 * `@user` line are global, lines after `@user` belong to that user. As the old server did
 * (`grantAddJob`): a user with a list of their own may run what matches it or the global list;
 * anyone else may run what matches the global list, or anything when there is none. Patterns
 * match from the start of the command (Python's `re.match`).
 */
export class CommandWhitelist {
  private constructor(
    private readonly global: RegExp[] | undefined,
    private readonly perUser: Map<string, RegExp[]>,
  ) {}

  static parse(text: string | undefined): CommandWhitelist {
    let global: RegExp[] | undefined;
    const perUser = new Map<string, RegExp[]>();
    let user: string | undefined;
    for (const raw of (text ?? '').split(/\r?\n/)) {
      const line = raw.trim();
      if (!line) continue;
      const at = /^@(.*)$/.exec(line);
      if (at) {
        user = at[1].trim().toLowerCase();
        if (!perUser.has(user)) perUser.set(user, []);
        continue;
      }
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${line})`);
      } catch (e) {
        throw validationError(`commandwhitelist: "${line}" is not a valid regular expression (${(e as Error).message})`);
      }
      if (user) perUser.get(user)!.push(re);
      else (global ??= []).push(re);
    }
    return new CommandWhitelist(global, perUser);
  }

  get enabled(): boolean {
    return this.global !== undefined || this.perUser.size > 0;
  }

  /** Throws a 403 naming the rule when `user` may not run `command`. */
  check(user: string | null, command: string): void {
    const own = user ? this.perUser.get(user.trim().toLowerCase()) : undefined;
    const hit = (list: RegExp[] | undefined) => list?.some((re) => re.test(command)) ?? false;
    if (own) {
      if (hit(own) || hit(this.global)) return;
      throw new CoalitionError('forbidden', `command ${JSON.stringify(command.slice(0, 200))} is not allowed: it matches none of the ${own.length} commandwhitelist pattern(s) of user "${user}"${this.global ? ` nor the ${this.global.length} global one(s)` : ''}`);
    }
    if (this.global && !hit(this.global)) {
      throw new CoalitionError('forbidden', `command ${JSON.stringify(command.slice(0, 200))} is not allowed: it matches none of the ${this.global.length} global commandwhitelist pattern(s)${user ? ` (user "${user}" has no list of their own)` : ''}`);
    }
  }
}
