/**
 * RAPI users and HTTP Basic authentication, as ganeti-rapi does them (lib/http/auth.py
 * `ParsePasswordFile`, `VerifyBasicAuthPassword`, `_CheckAuthorization`;
 * lib/server/rapi.py `RapiUsers`): the users file format, plain and `{HA1}` passwords,
 * and the `read`/`write` options. The file is re-read when it changes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { badRequest } from './http-error.js';

/** The realm ganeti-rapi names in WWW-Authenticate and hashes into `{HA1}` passwords. */
export const RAPI_AUTH_REALM = 'Ganeti Remote API';

/** The access options of a users-file line (`rapi.RAPI_ACCESS_READ`/`_WRITE`). */
export const RAPI_ACCESS = { read: 'read', write: 'write' } as const;
export type RapiAccess = (typeof RAPI_ACCESS)[keyof typeof RAPI_ACCESS];

/** One user: the password as the users file spells it (`{HA1}hex`, `{CLEARTEXT}pw` or `pw`). */
export interface RapiUser {
  name: string;
  password: string;
  /** Options of the line, e.g. `['write']`; `read` and `write` grant access. */
  options: readonly string[];
}

/**
 * Parses a users file: `NAME PASSWORD [OPTION[,OPTION...]]` per line, blanks and `#`
 * comments ignored, lines with fewer than two fields skipped (as Ganeti does). A later line
 * for the same name wins.
 */
export function parseUsersFile(text: string): Map<string, RapiUser> {
  const users = new Map<string, RapiUser>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    const [name, password] = parts;
    if (name === undefined || password === undefined) continue;
    // Python's split(None, 2): the third field is the rest of the line, options split on ','.
    const rest = line.replace(/^\S+\s+\S+\s*/, '');
    const options = rest === '' ? [] : rest.split(',').map((o) => o.trim());
    users.set(name, { name, password, options });
  }
  return users;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks `password` against the stored one (`VerifyBasicAuthPassword`): no `{` prefix means
 * plain text; `{CLEARTEXT}` plain text; `{HA1}` the hex MD5 of `user:realm:password`
 * (case-insensitive); any other scheme never matches.
 */
export function verifyPassword(username: string, password: string, stored: string): boolean {
  const expected = stored.startsWith('{') ? stored : `{CLEARTEXT}${stored}`;
  const end = expected.indexOf('}', 1);
  if (end <= 1) return false;
  const scheme = expected.slice(0, end + 1).toUpperCase();
  const secret = expected.slice(end + 1);
  if (scheme === '{CLEARTEXT}') return sameText(password, secret);
  if (scheme === '{HA1}') {
    const ha1 = createHash('md5').update(`${username}:${RAPI_AUTH_REALM}:${password}`, 'utf8').digest('hex');
    return sameText(secret.toLowerCase(), ha1);
  }
  return false;
}

/** The credentials of an Authorization header, or null when it names no usable Basic ones. */
export function parseBasicCredentials(header: string): { user: string; password: string } | null {
  const parts = header.trim().split(/\s+/);
  const scheme = parts[0]?.toLowerCase() ?? '';
  if (scheme !== 'basic') return null;
  const encoded = parts[1];
  if (encoded === undefined) throw badRequest('Basic authentication requires credentials');
  // Python's b64decode drops characters outside the alphabet, then needs correct padding.
  const cleaned = encoded.replace(/[^A-Za-z0-9+/=]/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(cleaned)) return null;
  const bytes = Buffer.from(cleaned, 'base64');
  if (bytes.some((b) => b > 0x7f)) return null; // decoded as ASCII by Ganeti
  const text = bytes.toString('latin1');
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Where the users come from: a fixed list, or a file re-read when its mtime or size changes. */
export class RapiUsers {
  readonly #file: string | undefined;
  readonly #onProblem: (message: string) => void;
  #users: Map<string, RapiUser> | null;
  #stamp = '';
  #checkedAt = 0;

  /** How often the file's stamp is checked at most, in ms (Ganeti watches it with inotify). */
  static readonly RECHECK_MS = 1000;

  constructor(source: string | readonly RapiUser[] | undefined, onProblem: (message: string) => void = () => {}) {
    this.#onProblem = onProblem;
    if (typeof source === 'string') {
      this.#file = source;
      this.#users = null;
      this.#reload(Date.now());
    } else {
      this.#file = undefined;
      this.#users = source === undefined ? null : new Map(source.map((u) => [u.name, u]));
    }
  }

  /** The user named `name`, or undefined (also when there is no users file). */
  get(name: string, now = Date.now()): RapiUser | undefined {
    if (this.#file !== undefined && now - this.#checkedAt >= RapiUsers.RECHECK_MS) this.#reload(now);
    return this.#users?.get(name);
  }

  #reload(now: number): void {
    const file = this.#file as string;
    this.#checkedAt = now;
    let stamp: string;
    try {
      const st = statSync(file);
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch (err) {
      if (this.#stamp !== 'missing') this.#onProblem(`No users file at ${file}: ${(err as Error).message}`);
      this.#stamp = 'missing';
      this.#users = null;
      return;
    }
    if (stamp === this.#stamp) return;
    this.#stamp = stamp;
    try {
      this.#users = parseUsersFile(readFileSync(file, 'utf8'));
    } catch (err) {
      this.#onProblem(`Error while reading ${file}: ${(err as Error).message}`);
      this.#users = null;
    }
  }
}
