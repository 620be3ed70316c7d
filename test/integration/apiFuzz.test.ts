/**
 * The HTTP API under random and malformed requests, sent as raw bytes over node:net sockets
 * (so that nothing a client library would fix or refuse is left out): every answer is a 4xx, or
 * a 2xx where the request was in fact valid, never a 5xx; the server stays up and no session is
 * lost. The generator is seeded: the seed is printed, and FUZZ_SEED=<seed> replays a run.
 * Also the limits: a body big enough for a prompt at its maximum however it is escaped, the
 * exact edges of the prompt's and the body's limits, and 429 for a client over the rate limit.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger, type Logger } from '../../src/core/util/host';
import { ApiServer, MAX_BODY_BYTES } from '../../src/core/http/apiServer';
import { generateToken } from '../../src/core/http/instarConfig';
import { isEnded, SESSION_STATUSES } from '../../src/core/model/sessionRecord';
import { MAX_INPUT_BYTES } from '../../src/core/sessions/sessionInput';
import { MAX_PROMPT_BYTES } from '../../src/core/sessions/validation';
import { Harness, RECORDER_AGENT, startHarness } from '../support/engineHarness';
import { waitFor } from '../support/wait';
import { prng } from '../support/prng';

const SEED = Number(process.env.FUZZ_SEED ?? randomInt(2 ** 31));
const REQUESTS = 1200;
/** The fuzz stops there even if not all requests were sent (then it fails, saying how many were). */
const FUZZ_BUDGET_MS = 150_000;
const CONCURRENCY = 6;
/** Sessions spawned before the fuzz, which must all be there, and live, after it. */
const KEPT = ['keep-0', 'keep-1', 'keep-2'];

// ---------------------------------------------------------------------------------------------
// A raw HTTP/1.1 exchange: the exact bytes out, every response that comes back parsed.

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Exchange {
  responses: RawResponse[];
  /** The server closed (or the time-out came) before a whole response. */
  incomplete: boolean;
  timedOut: boolean;
}

/** Sends `bytes`, reads until the server closes or `timeoutMs`. */
function exchange(port: number, bytes: Buffer, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (chunk) => received.push(chunk));
    // A server that answers early (413) and closes makes the rest of a large write fail: that is expected.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ ...parseResponses(Buffer.concat(received)), timedOut });
    });
    // Written without ending our side: Node's server drops a request whose client half-closes
    // before the answer (curl and browsers never do); "Connection: close" ends the exchange.
    socket.on('connect', () => socket.write(bytes));
  });
}

/** Every response in a byte stream (pipelined answers included); `incomplete` when one was cut. */
function parseResponses(data: Buffer): { responses: RawResponse[]; incomplete: boolean } {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const headEnd = data.indexOf('\r\n\r\n', at);
    if (headEnd < 0) return { responses, incomplete: true };
    const lines = data.subarray(at, headEnd).toString('latin1').split('\r\n');
    const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
    if (!statusLine) return { responses, incomplete: true };
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(statusLine[1]);
    let bodyStart = headEnd + 4;
    let body: Buffer;
    if (status < 200 || status === 204 || status === 304) {
      body = Buffer.alloc(0); // an interim answer (100 Continue) or one without a body
      at = bodyStart;
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts: Buffer[] = [];
      for (;;) {
        const sizeEnd = data.indexOf('\r\n', bodyStart);
        if (sizeEnd < 0) return { responses, incomplete: true };
        const size = parseInt(data.subarray(bodyStart, sizeEnd).toString('latin1'), 16);
        if (Number.isNaN(size) || sizeEnd + 2 + size + 2 > data.length) return { responses, incomplete: true };
        parts.push(data.subarray(sizeEnd + 2, sizeEnd + 2 + size));
        bodyStart = sizeEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(parts);
      at = bodyStart;
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (bodyStart + length > data.length) return { responses, incomplete: true };
      body = data.subarray(bodyStart, bodyStart + length);
      at = bodyStart + length;
    } else {
      body = data.subarray(bodyStart);
      at = data.length;
    }
    responses.push({ status, headers, body: body.toString('utf8') });
  }
  return { responses, incomplete: false };
}

// ---------------------------------------------------------------------------------------------
// The requests: each knows what a correct server must answer.

/** What the answer must be: a 2xx (the request is valid), a 4xx, or anything but a 5xx. */
type Expect = '2xx' | '4xx' | 'any';

interface FuzzRequest {
  /** A short description, shown on failure with the seed. */
  what: string;
  bytes: Buffer;
  expect: Expect;
  /** Why no answer at all is acceptable (a body still awaited, CONNECT with nowhere to go). */
  mayNotAnswer?: string;
  /** How long to wait for the answer. */
  timeoutMs?: number;
}

interface Shape {
  method: string;
  target: string;
  headers: [string, string][];
  body?: Buffer;
  expect: Expect;
  what: string;
  timeoutMs?: number;
}

/** A field's candidate values, each valid or not for its route. */
type Pool = [unknown, boolean][];

const CONTROL = Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)).filter((c) => !'\0\b\t\n\f\r\x1b'.includes(c));
const absent = Symbol('absent');

class Generator {
  private spawned = 0;
  /** Names the fuzz spawned: the only ones it may DELETE. */
  readonly fuzzNames: string[] = [];

  constructor(
    private readonly rand: () => number,
    private readonly token: string,
    private readonly live: readonly string[],
  ) {}

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }
  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  private chance(p: number): boolean {
    return this.rand() < p;
  }

  private randomString(max: number): string {
    // Lone surrogates too: JSON carries them (\ud800), UTF-8 cannot.
    const alphabets = ['abcdefghijklmnopqrstuvwxyz0123456789-', ' "\'\\$`;|&<>(){}[]%/?#', 'éüñ日本語🎉\u2028\u202e\ufeff', CONTROL.join(''), '\ud800\udfff\udbff'];
    const length = this.int(max + 1);
    let text = '';
    for (let i = 0; i < length; i += 1) {
      const alphabet = this.pick(alphabets);
      text += alphabet.length === 3 && alphabet.startsWith('\ud800') ? alphabet[this.int(3)] : this.pick([...alphabet]);
    }
    return text;
  }

  /** Values of every JSON type that are wrong for a string field. */
  private wrongTypes(): Pool {
    return [
      [5, false],
      [-1.5, false],
      [true, false],
      [[], false],
      [['x'], false],
      [{}, false],
      [{ nested: { deeper: [1, { x: null }] } }, false],
    ];
  }

  private namePool(): Pool {
    const fresh = `fz-${this.spawned}-${this.int(1e6)}`;
    return [
      [fresh, true],
      [fresh, true],
      ['', false],
      ['Bad Name', false],
      ['a'.repeat(65), false],
      ['-lead', false],
      ['ünïcode', false],
      ['x\u0000y', false],
      ['../etc', false],
      [this.pick(KEPT), false], // taken: 409
      [null, false],
      ...this.wrongTypes(),
    ];
  }

  private promptPool(): Pool {
    return [
      ['', true],
      ['Summarise the open issues', true],
      ['$(rm -rf ~) `x` "q" \'s\' ; | & > <', true],
      [this.randomString(200).replace(/\0/g, ''), true],
      [`multi\nline\r\nprompt\twith tabs`, true],
      [CONTROL.join('').repeat(50), true],
      ['x'.repeat(9000), true], // through a file, not tmux's command
      ['nul\u0000inside', false],
      [null, false],
      ...this.wrongTypes(),
    ];
  }

  private spawnBody(): { fields: Record<string, unknown>; valid: boolean } {
    const pools: Record<string, Pool> = {
      name: this.namePool(),
      prompt: this.promptPool(),
      model: [
        [absent, true],
        [null, true],
        ['', true],
        ['sonnet', true],
        ['haiku', true],
        ['opus', true],
        ['claude-sonnet-4-5-20250929', true],
        ['gpt', false],
        ['Bad Model!', false],
        [`claude-${'x'.repeat(200)}`, false],
        ...this.wrongTypes(),
      ],
      jobSlug: [
        [absent, true],
        [null, true],
        ['', true],
        ['nightly', true],
        ['Bad Slug', false],
        ['a'.repeat(65), false],
        ...this.wrongTypes(),
      ],
      endWhenIdleSeconds: [
        [absent, true],
        [null, true],
        [0, true],
        [30, true],
        [604800, true],
        [-1, false],
        [1.5, false],
        ['30', false],
        [604801, false],
        [1e300, false],
        [true, false],
        [[], false],
      ],
    };
    // No prototype, so that a "__proto__" field is an own property that JSON.stringify writes.
    const fields: Record<string, unknown> = Object.create(null);
    let valid = true;
    for (const [field, pool] of Object.entries(pools)) {
      // Most fields most often valid, so that whole valid requests come up too.
      const [value, ok] = this.chance(0.6) ? this.pick(pool.filter(([, good]) => good)) : this.pick(pool);
      if (value !== absent) fields[field] = value;
      valid &&= ok;
    }
    if (this.chance(0.2)) {
      const extra = this.pick(['extra', 'Name', 'permissionMode', 'cwd', '__proto__']);
      fields[extra] = this.pick([1, 'x', { a: 1 }]);
      // A field a spawn does not take is refused, an own "__proto__" too (JSON.parse makes it an own
      // field of the body); a "cwd" and a "permissionMode" are taken, and none of these is an absolute
      // path of the workspace or a mode.
      valid = false;
    }
    // A spawn that would succeed starts a real agent: few of them.
    if (valid && this.spawned >= 12) {
      fields.name = 'Over The Quota';
      valid = false;
    }
    if (valid) {
      this.spawned += 1;
      this.fuzzNames.push(fields.name as string);
    }
    return { fields, valid };
  }

  /**
   * A session name in a path: a live one, one the fuzz spawned (live, killed, or not spawned
   * yet: requests run concurrently), or an unknown or malformed one.
   */
  private target(): { segment: string; live: boolean; known: boolean } {
    const choice = this.int(10);
    if (choice < 4) return { segment: this.pick(this.live), live: true, known: true };
    if (choice < 5 && this.fuzzNames.length > 0) return { segment: this.pick(this.fuzzNames), live: false, known: true };
    const unknown = [
      'nope',
      'no-such-session',
      '%E0%A4%A',
      '%ZZ',
      '%',
      '%00',
      '%2e%2e',
      '..',
      '.',
      '%2F',
      encodeURIComponent('ünïcode'),
      encodeURIComponent('日本語🎉'),
      '%F0%9F',
      'x'.repeat(3000),
      encodeURIComponent(this.randomString(30).replace(/[\ud800-\udfff]/g, '')) || 'empty',
      '__proto__',
      'constructor',
      'hasOwnProperty',
    ];
    return { segment: this.pick(unknown), live: false, known: false };
  }

  private json(fields: Record<string, unknown>): Buffer {
    return Buffer.from(JSON.stringify(fields), 'utf8');
  }

  /** A request as a well-behaved client would make it, valid or not by its content. */
  private shaped(): Shape {
    const headers: [string, string][] = [
      ['Host', this.pick(['127.0.0.1', 'localhost', '127.0.0.1:4040', 'LOCALHOST:1', '[::1]:8080'])],
      ['Authorization', `Bearer ${this.token}`],
    ];
    const post = (target: string, fields: Record<string, unknown>, valid: boolean | 'any', what: string, timeoutMs?: number): Shape => ({
      method: 'POST',
      target,
      headers: [...headers, ['Content-Type', 'application/json']],
      body: this.json(fields),
      expect: valid === 'any' ? 'any' : valid ? '2xx' : '4xx',
      what,
      timeoutMs,
    });
    const get = (target: string, valid: boolean | 'any', what: string): Shape => ({ method: 'GET', target, headers, expect: valid === 'any' ? 'any' : valid ? '2xx' : '4xx', what });
    const { segment, live, known } = this.target();
    /** A valid request about the target session: 2xx if live, 4xx if unknown; either for one the fuzz spawned. */
    const about = (valid: boolean): boolean | 'any' => (!valid ? false : live ? true : known ? 'any' : false);
    const session = `/sessions/${segment}`;
    switch (this.int(12)) {
      case 0:
        return get('/health', true, 'health');
      case 1: {
        const [status, ok] = this.pick<[string | undefined, boolean]>([
          [undefined, true],
          [this.pick(SESSION_STATUSES), true],
          ['bogus', false],
          ['RUNNING', false],
          ['%ZZ', false],
          ['', false],
        ]);
        return get(status === undefined ? '/sessions' : `/sessions?status=${status}`, ok, 'list');
      }
      case 2:
        return get('/sessions/tmux', true, 'tmux list');
      case 3:
      case 4: {
        const { fields, valid } = this.spawnBody();
        return post('/sessions/spawn', fields, valid, `spawn ${JSON.stringify(fields).slice(0, 200)}`, 20_000);
      }
      case 5: {
        const [lines, ok] = this.pick<[string | undefined, boolean]>([
          [undefined, true],
          ['', true],
          ['1', true],
          ['100', true],
          ['10000', true],
          ['0', false],
          ['-1', false],
          ['1.5', false],
          ['1e3', false],
          ['10001', false],
          ['abc', false],
          ['99999999999999999999999', false],
        ]);
        return get(`${session}/output${lines === undefined ? '' : `?lines=${lines}`}`, about(ok), 'output');
      }
      case 6: {
        const [text, textOk] = this.pick<[unknown, boolean]>([
          ['hello from the fuzz', true],
          ['two\nlines', true],
          [this.randomString(100).replace(/\0/g, '').replace(/EXIT/g, ''), true],
          ['y'.repeat(3000), true],
          ['', true],
          ['nul\u0000', false],
          [absent, false],
          ...(this.wrongTypes() as [unknown, boolean][]),
        ]);
        const [resume, resumeOk] = this.pick<[unknown, boolean]>([
          [absent, true],
          [absent, true],
          [false, true],
          [true, true],
          ['yes', false],
          [1, false],
          [null, false],
        ]);
        const fields: Record<string, unknown> = {};
        if (text !== absent) fields.text = text;
        if (resume !== absent) fields.resume = resume;
        return post(`${session}/input`, fields, about(textOk && resumeOk), `input ${JSON.stringify(fields).slice(0, 200)}`, 20_000);
      }
      case 7: {
        // Never valid: a live session cannot be resumed, and recorder sessions have no conversation.
        const fields = this.pick<Record<string, unknown>>([{}, { text: 'go on' }, { text: 42 }, { text: null }, { text: ['x'] }]);
        return post(`${session}/resume`, fields, false, `resume ${JSON.stringify(fields)}`);
      }
      case 8:
        return get(`${session}/dialog`, about(true), 'dialog');
      case 9: {
        // A valid option on a live session waits up to 3 s for a dialog that never shows (then 409): rare.
        const option = this.chance(0.1) ? 'Yes' : this.pick<unknown>([absent, '', '   ', 5, null, ['Yes'], { label: 'Yes' }]);
        const fields: Record<string, unknown> = option === absent ? {} : { option };
        return post(`${session}/answer`, fields, false, `answer ${JSON.stringify(fields)}`, 20_000);
      }
      case 10: {
        const [keys, ok] = this.pick<[unknown, boolean]>([
          [['Escape'], true],
          [['Up', 'Down', 'Left'], true],
          [['1'], true],
          [['C-c'], true],
          [['F12', 'BTab'], true],
          ['Escape', false],
          [[], false],
          [Array.from({ length: 101 }, () => 'Up'), false],
          [[5], false],
          [['NotAKey'], false],
          [['Escape', null], false],
          [{ 0: 'Escape', length: 1 }, false],
          [null, false],
          [absent, false],
          [42, false],
        ]);
        const fields: Record<string, unknown> = keys === absent ? {} : { keys };
        return post(`${session}/keys`, fields, about(ok), `keys ${JSON.stringify(fields).slice(0, 200)}`, 20_000);
      }
      default: {
        // DELETE only where nothing kept is at stake: unknown names, or sessions the fuzz spawned.
        const name = known && !live ? segment : live ? 'no-such-session' : segment;
        return { method: 'DELETE', target: `/sessions/${name}`, headers, expect: known && !live ? 'any' : '4xx', what: 'delete', timeoutMs: 20_000 };
      }
    }
  }

  /**
   * Makes a shaped request wrong in one way that the server must refuse (4xx); with
   * `reachLimiter`, only in ways refused after the rate limiter (not a Host, an Origin, or bytes
   * Node's parser refuses).
   */
  private spoil(shape: Shape, reachLimiter = false): Shape {
    const needsAuth = !shape.target.startsWith('/health');
    const replaceHeader = (name: string, value: string | undefined): [string, string][] => {
      const rest = shape.headers.filter(([key]) => key.toLowerCase() !== name.toLowerCase());
      return value === undefined ? rest : [...rest, [name, value]];
    };
    const beforeLimiter: (() => Shape | undefined)[] = [
      () => ({ ...shape, headers: replaceHeader('Host', undefined), expect: '4xx', what: `${shape.what}; no Host` }),
      () => ({ ...shape, headers: replaceHeader('Host', this.pick(['evil.example.com', '127.0.0.1.evil.com', 'localhost.', '[::1]x', '127.0.0.2', '', 'localhost:123456'])), expect: '4xx', what: `${shape.what}; bad Host` }),
      () => ({ ...shape, headers: [...shape.headers, ['Origin', this.pick(['https://evil.example.com', 'null', 'http://127.0.0.1'])]], expect: '4xx', what: `${shape.what}; Origin` }),
      () => {
        const method = this.pick(['BREW', 'G3T', 'get', 'FOO BAR']);
        return { ...shape, method, expect: '4xx', what: `${shape.what}; method ${method} (unknown to Node)` };
      },
      () => ({ ...shape, target: this.pick(['*', 'health', '?x=1']), expect: '4xx', what: `${shape.what}; a target Node refuses` }),
    ];
    const afterLimiter: (() => Shape | undefined)[] = [
      () =>
        needsAuth
          ? {
              ...shape,
              headers: replaceHeader('Authorization', this.pick([undefined, 'Bearer', 'Bearer ', 'bearer wrong', 'Basic dXNlcjpwYXNz', `Bearer ${this.token}x`, `Bearer ${'A'.repeat(8000)}`, `Token ${this.token}`, 'Bearer \u00ff\u00fe'])),
              expect: '4xx',
              what: `${shape.what}; broken Authorization`,
            }
          : undefined,
      () => {
        // A method the route does not take: 405 (404 where no route is).
        const others = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'PURGE', 'M-SEARCH', 'TRACE', 'HEAD'].filter((m) => m !== shape.method);
        const method = this.pick(others);
        const allowed = routeMethods(shape.target);
        if (allowed.includes(method)) return undefined;
        return { ...shape, method, expect: '4xx', what: `${shape.what}; method ${method}` };
      },
      () =>
        shape.method === 'POST'
          ? {
              ...shape,
              body: Buffer.from(
                this.pick([
                  '{',
                  '{"a":}',
                  'nul',
                  '[]',
                  '[{"name":"x"}]',
                  '"a string"',
                  '42',
                  'null',
                  'true',
                  '\ufeff{}',
                  "{'single': 'quotes'}",
                  '{"a":1}garbage',
                  '['.repeat(20000),
                  `${'['.repeat(5000)}${']'.repeat(5000)}`,
                ]),
                'utf8',
              ),
              expect: '4xx',
              what: `${shape.what}; body not a JSON object`,
            }
          : undefined,
      () => ({ ...shape, target: this.pick(['/', '//health', '/health/', '/HEALTH', '/sessions/', '/sessions//output', '/sessions/a/b/c', '/sessions/keep-0/../../health', '/%2e%2e/health', '/api/sessions', `/${'a'.repeat(5000)}`, '/sessions/keep-0/output/']), expect: '4xx', what: `${shape.what}; unknown route` }),
      () => {
        // A path of random pieces: dot segments, doubled slashes, brackets and at-signs (which a
        // URL parser takes for a host), %-escapes whole, broken and encoding slashes, unicode.
        const pieces = ['/', '//', '..', '.', '%', '%zz', '%2F', '%2e', '%00', '%C3%A9', '%E0%A4%A', '[', ']', '@', ':', '\\', 'sessions', 'keep-0', 'health', 'output', '%F0%9F%8E%89', '~', ';', ',', '!', "'"];
        const path = `/${Array.from({ length: 1 + this.int(8) }, () => this.pick(pieces)).join('')}`;
        return { ...shape, target: path, expect: 'any', what: `${shape.what}; random path ${path}` };
      },
      () => ({ ...shape, target: this.pick(['http://127.0.0.1/health', 'http://evil.example.com/sessions', 'https://localhost/sessions/keep-0']), expect: '4xx', what: `${shape.what}; an absolute-form target` }),
    ];
    const ways = reachLimiter ? afterLimiter : [...beforeLimiter, ...afterLimiter];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const spoiled = this.pick(ways)();
      if (spoiled) return spoiled;
    }
    return shape;
  }

  private serialize(shape: Shape, options: { contentLength?: 'right' | 'none' | 'short' | 'long' | 'twice'; chunked?: boolean } = {}): Buffer {
    const body = shape.body ?? Buffer.alloc(0);
    const lines = [`${shape.method} ${shape.target} HTTP/1.1`, ...shape.headers.map(([k, v]) => `${k}: ${v}`), 'Connection: close'];
    if (options.chunked) {
      lines.push('Transfer-Encoding: chunked');
      const pieces: Buffer[] = [];
      for (let at = 0; at < body.length; at += 1000) {
        const piece = body.subarray(at, at + 1000);
        pieces.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
      }
      pieces.push(Buffer.from('0\r\n\r\n'));
      return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), ...pieces]);
    }
    const mode = options.contentLength ?? (shape.body ? 'right' : 'none');
    if (mode === 'right') lines.push(`Content-Length: ${body.length}`);
    if (mode === 'short') lines.push(`Content-Length: ${Math.max(0, body.length - 3)}`);
    if (mode === 'long') lines.push(`Content-Length: ${body.length + 10}`);
    if (mode === 'twice') lines.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`);
    return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
  }

  /** Bytes that are not a well-formed request at all. */
  private malformed(): FuzzRequest {
    const host = 'Host: 127.0.0.1\r\n';
    const auth = `Authorization: Bearer ${this.token}\r\n`;
    /** [what, bytes, expected answer, why no answer is acceptable]. */
    const cases: [string, string | Buffer, Expect, string?][] = [
      ['garbage', this.randomString(300) + '\r\n\r\n', '4xx', 'garbage that may not end a request'],
      ['no version', 'GET /health\r\n\r\n', 'any', 'a request without a version'],
      ['HTTP/2.0', 'GET /health HTTP/2.0\r\n\r\n', 'any', 'HTTP/2.0 in an HTTP/1 request'],
      ['HTTP/1.0 without Host', 'GET /health HTTP/1.0\r\n\r\n', '4xx'],
      ['bare LF', `GET /health HTTP/1.1\n${host}\n`, 'any', 'lines ended by LF alone'],
      ['space in the target', `GET /he alth HTTP/1.1\r\n${host}\r\n`, '4xx'],
      ['raw non-ASCII bytes in the target', Buffer.concat([Buffer.from('GET /sessions/'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from(`/output HTTP/1.1\r\n${host}${auth}\r\n`)]), '4xx'],
      ['raw UTF-8 in the target', Buffer.from(`GET /sessions/日本語/output HTTP/1.1\r\n${host}${auth}\r\n`, 'utf8'), '4xx'],
      ['header without a colon', `GET /health HTTP/1.1\r\n${host}NoColonHere\r\n\r\n`, '4xx'],
      ['header name with a space', `GET /health HTTP/1.1\r\n${host}Bad Name: x\r\n\r\n`, '4xx'],
      ['header of 20 KB', `GET /health HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`, '4xx'],
      ['target of 20 KB', `GET /${'a'.repeat(20_000)} HTTP/1.1\r\n${host}\r\n`, '4xx'],
      ['2,500 headers', `GET /health HTTP/1.1\r\n${host}${Array.from({ length: 2500 }, (_, i) => `X-H${i}: ${i}\r\n`).join('')}\r\n`, 'any'],
      ['a NUL in a header', `GET /health HTTP/1.1\r\n${host}X-Nul: a\u0000b\r\n\r\n`, '4xx'],
      ['negative Content-Length', `POST /sessions/spawn HTTP/1.1\r\n${host}${auth}Content-Length: -5\r\n\r\n{}`, '4xx'],
      ['Content-Length not a number', `POST /sessions/spawn HTTP/1.1\r\n${host}${auth}Content-Length: abc\r\n\r\n{}`, '4xx'],
      ['Content-Length and chunked', `POST /sessions/spawn HTTP/1.1\r\n${host}${auth}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`, '4xx'],
      ['bad chunk size', `POST /sessions/spawn HTTP/1.1\r\n${host}${auth}Transfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`, '4xx'],
      ['chunk longer than said', `POST /sessions/spawn HTTP/1.1\r\n${host}${auth}Transfer-Encoding: chunked\r\n\r\n1\r\n{}\r\n0\r\n\r\n`, '4xx'],
      ['unknown transfer coding', `POST /sessions/spawn HTTP/1.1\r\n${host}${auth}Transfer-Encoding: gzip\r\n\r\n{}`, '4xx', 'a body of unknown length'],
      ['CONNECT', `CONNECT 127.0.0.1:22 HTTP/1.1\r\n${host}\r\n`, 'any', 'CONNECT (Node closes it: no tunnel here)'],
      ['invalid UTF-8 in a JSON body', Buffer.concat([Buffer.from(`POST /sessions/spawn HTTP/1.1\r\n${host}${auth}Content-Length: 26\r\n\r\n`), Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('","prompt":5} ')]), '4xx'],
      ['invalid UTF-8 bytes as a JSON value', Buffer.concat([Buffer.from(`POST /sessions/keep-0/input HTTP/1.1\r\n${host}${auth}Content-Length: 14\r\n\r\n`), Buffer.from('{"text":'), Buffer.from([0xc0, 0xaf, 0x80]), Buffer.from('}  ')]), '4xx'],
      ['Expect: 100-continue', `POST /sessions/spawn HTTP/1.1\r\n${host}${auth}Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{}`, '4xx'],
      ['an unknown Expect', `POST /sessions/spawn HTTP/1.1\r\n${host}${auth}Expect: teapot\r\nContent-Length: 2\r\n\r\n{}`, '4xx'],
      ['Content-Length over the limit, no body sent', `POST /sessions/spawn HTTP/1.1\r\n${host}${auth}Content-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`, '4xx'],
      ['a chunked body over the limit', oversizedChunked(`POST /sessions/spawn HTTP/1.1\r\n${host}${auth}`), '4xx'],
      ['a UTF-16 body', Buffer.concat([Buffer.from(`POST /sessions/spawn HTTP/1.1\r\n${host}${auth}Content-Length: 6\r\n\r\n`), Buffer.from('{}\n', 'utf16le')]), '4xx'],
    ];
    const [what, bytes, expect, mayNotAnswer] = this.pick(cases);
    return { what: `malformed: ${what}`, bytes: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1'), expect, mayNotAnswer, timeoutMs: 3000 };
  }

  next(): FuzzRequest {
    const roll = this.rand();
    if (roll < 0.15) return this.malformed();
    let shape = this.shaped();
    if (roll < 0.55) shape = this.spoil(shape);
    return this.framed(shape);
  }

  /** A request that Node parses and that passes the Host and Origin checks, valid or not beyond. */
  nextReachingLimiter(): FuzzRequest {
    let shape = this.shaped();
    if (this.chance(0.5)) shape = this.spoil(shape, true);
    return { what: shape.what, bytes: this.serialize(shape, { chunked: this.chance(0.2) }), expect: shape.expect, timeoutMs: shape.timeoutMs };
  }

  private framed(shape: Shape): FuzzRequest {
    const framing = this.rand();
    if (shape.body && framing < 0.1) return { what: `${shape.what}; chunked`, bytes: this.serialize(shape, { chunked: true }), expect: shape.expect, timeoutMs: shape.timeoutMs };
    if (shape.body && framing < 0.14) return { what: `${shape.what}; Content-Length 3 short`, bytes: this.serialize(shape, { contentLength: 'short' }), expect: 'any', timeoutMs: shape.timeoutMs };
    if (shape.body && framing < 0.17) return { what: `${shape.what}; Content-Length 10 long`, bytes: this.serialize(shape, { contentLength: 'long' }), expect: 'any', mayNotAnswer: 'Content-Length over the body (the rest is awaited)', timeoutMs: 1500 };
    if (shape.body && framing < 0.19) return { what: `${shape.what}; two Content-Lengths`, bytes: this.serialize(shape, { contentLength: 'twice' }), expect: '4xx', timeoutMs: shape.timeoutMs };
    if (shape.body && framing < 0.22) return { what: `${shape.what}; no Content-Length`, bytes: this.serialize(shape, { contentLength: 'none' }), expect: 'any', timeoutMs: shape.timeoutMs };
    return { what: shape.what, bytes: this.serialize(shape), expect: shape.expect, timeoutMs: shape.timeoutMs };
  }
}

const oversized = new Map<string, Buffer>();
/** A chunked request whose body is one byte over the limit (made once per head, shared: 6 MiB). */
function oversizedChunked(head: string): Buffer {
  let request = oversized.get(head);
  if (!request) {
    const body = Buffer.alloc(MAX_BODY_BYTES + 1, 0x20);
    request = Buffer.concat([Buffer.from(`${head}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
    oversized.set(head, request);
  }
  return request;
}

/** The methods a path's route takes (none for an unknown path). */
function routeMethods(target: string): string[] {
  const path = target.split('?')[0];
  if (path === '/health' || path === '/sessions' || path === '/sessions/tmux') return ['GET'];
  if (path === '/sessions/spawn') return ['POST'];
  if (/^\/sessions\/[^/]+\/(input|resume|answer|keys)$/.test(path)) return ['POST'];
  if (/^\/sessions\/[^/]+\/(output|dialog)$/.test(path)) return ['GET'];
  if (/^\/sessions\/[^/]+$/.test(path)) return ['GET', 'DELETE'];
  return [];
}

/** A logger that keeps errors: the API logs one for every 500 it answers. */
function recordingLogger(errors: string[]): Logger {
  return { ...silentLogger, error: (message) => void errors.push(String(message)) };
}

// ---------------------------------------------------------------------------------------------

describe('HTTP API under random and malformed requests (fuzz)', () => {
  let h: Harness;
  let api: ApiServer;
  let port: number;
  const token = generateToken();
  const errors: string[] = [];

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as any };
  };

  before(async () => {
    h = await startHarness('apifuzz', { agentCommand: RECORDER_AGENT });
    const records = join(h.root, 'records');
    await mkdir(records);
    process.env.RECORD_DIR = records;
    process.env.RECORDER_LINES = '3';
    // A rate limit high enough that the fuzz reaches the routes (429 is checked on its own below).
    api = new ApiServer(h.engine, { port: 0, token, cwd: h.root, version: 'fuzz', logger: recordingLogger(errors), requestsPerMinute: 1_000_000 });
    port = await api.start();
    for (const name of KEPT) assert.equal((await call('POST', '/sessions/spawn', { name, prompt: `kept ${name}` })).status, 201);
    await waitFor('the kept sessions at their prompt', async () => {
      for (const name of KEPT) if (!(await call('GET', `/sessions/${name}/output?lines=5`)).json.output?.includes('ready>')) return undefined;
      return true;
    });
  });
  after(async () => {
    await api.stop();
    await h.dispose();
  });

  it(`answers ${REQUESTS} random and malformed requests with a 4xx, or a 2xx when valid, never a 5xx`, async (t) => {
    t.diagnostic(`seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
    console.log(`apiFuzz: seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
    const generator = new Generator(prng(SEED), token, KEPT);
    // Generated up front, in order, so that the seed alone decides every request.
    const requests = Array.from({ length: REQUESTS }, () => generator.next());
    const failures: string[] = [];
    const counts = new Map<string, number>();
    const unanswered = new Set<string>();
    const started = Date.now();
    let sent = 0;
    let nextIndex = 0;
    const worker = async () => {
      while (nextIndex < requests.length && Date.now() - started < FUZZ_BUDGET_MS && failures.length < 20) {
        const index = nextIndex++;
        const request = requests[index];
        const result = await exchange(port, request.bytes, request.timeoutMs ?? 10_000);
        sent += 1;
        // An interim 100 Continue precedes the answer to "Expect: 100-continue".
        const responses = result.responses.filter((r) => r.status >= 200);
        const statuses = responses.map((r) => r.status);
        for (const status of statuses) counts.set(`${Math.floor(status / 100)}xx`, (counts.get(`${Math.floor(status / 100)}xx`) ?? 0) + 1);
        const where = `#${index} (seed ${SEED}) ${request.what}`;
        if (statuses.length === 0) {
          counts.set('no answer', (counts.get('no answer') ?? 0) + 1);
          if (request.mayNotAnswer) unanswered.add(request.mayNotAnswer);
          if (!request.mayNotAnswer) failures.push(`${where}: no answer${result.timedOut ? ' (timed out)' : ''}`);
          continue;
        }
        for (const [i, response] of responses.entries()) {
          const { status } = response;
          const problem =
            status >= 500
              ? 'a 5xx'
              : status < 200 || (status >= 300 && status < 400)
                ? 'neither 2xx nor 4xx'
                : i === 0 && request.expect === '2xx' && status >= 300
                  ? 'a refusal of a valid request'
                  : i === 0 && request.expect === '4xx' && status < 400
                    ? 'a success for an invalid request'
                    : undefined;
          if (problem) failures.push(`${where}: ${status} is ${problem}: ${response.body.slice(0, 300)}`);
          // Every refusal of ours says why, as JSON (Node's own 400 for unparsable bytes has no body).
          if (status >= 400 && response.body !== '' && !/^\{"error":".+"\}$/s.test(response.body)) failures.push(`${where}: ${status} without an {"error"} body: ${response.body.slice(0, 200)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (Date.now() - started) / 1000;
    t.diagnostic(`${sent} requests in ${seconds.toFixed(1)} s: ${JSON.stringify(Object.fromEntries(counts))}; ${generator.fuzzNames.length} valid spawns; unanswered (as allowed): ${[...unanswered].join(', ')}`);
    assert.deepEqual(failures, [], `seed ${SEED}`);
    assert.deepEqual(errors, [], `the server logged internal errors (seed ${SEED})`);
    assert.ok(sent >= 1000, `only ${sent} requests were sent within ${FUZZ_BUDGET_MS} ms (seed ${SEED})`);
    assert.ok((counts.get('2xx') ?? 0) > 50, 'valid requests came up too');
    assert.ok((counts.get('4xx') ?? 0) > 300, 'invalid requests came up too');
  });

  it('is still up and has lost nothing: /health answers, the sessions spawned before are there and live', async () => {
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    const listed = (await call('GET', '/sessions')).json as { name: string; status: string }[];
    for (const name of KEPT) {
      const session = listed.find((s) => s.name === name);
      assert.ok(session, `${name} is listed`);
      assert.ok(!isEnded(h.engine.require(name)), `${name} is still live (${session.status})`);
      assert.equal((await call('GET', `/sessions/${name}`)).status, 200);
    }
    const tmux = (await call('GET', '/sessions/tmux')).json as { sessions: { name: string }[] };
    for (const name of KEPT) assert.ok(tmux.sessions.some((s) => s.name.endsWith(`/${name}`)), `${name} on the tmux server`);
  });

  it('answers keys that are not a list with a 400 that names what is allowed', async () => {
    for (const keys of ['Escape', 42, null, { 0: 'Escape' }, [], ['Escape', 5]]) {
      const { status, json } = await call('POST', '/sessions/keep-0/keys', { keys });
      assert.equal(status, 400, JSON.stringify(keys));
      assert.match(json.error, /"keys", a list of 1 to 100 key names.*Escape.*C-c/, JSON.stringify(keys));
    }
    assert.match((await call('POST', '/sessions/keep-0/keys', {})).json.error, /got nothing/);
  });

  it('reads a body that holds a prompt at its maximum however it is escaped: the exact edges of the prompt and the body', async () => {
    // The worst case: every character of the prompt a control character, written \u00XX (6 bytes
    // each), and every other field at its longest with each character escaped too.
    const escapeAll = (text: string) => `"${[...text].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`;
    const controlPrompt = (bytes: number) => Array.from({ length: bytes }, (_, i) => CONTROL[i % CONTROL.length]).join('');
    const worstBody = (name: string, promptBytes: number) =>
      `{"name":${escapeAll(name)},"prompt":${JSON.stringify(controlPrompt(promptBytes))},"model":${escapeAll(`claude-${'x'.repeat(121)}`)},"jobSlug":${escapeAll('j'.repeat(64))},"endWhenIdleSeconds":604800}`;
    const atMax = worstBody(`edge-${'a'.repeat(59)}`, MAX_PROMPT_BYTES);
    assert.ok(Buffer.byteLength(atMax) > 6 * MAX_PROMPT_BYTES && Buffer.byteLength(atMax) <= MAX_BODY_BYTES, `${Buffer.byteLength(atMax)} bytes`);
    const accepted = await call('POST', '/sessions/spawn', atMax);
    assert.equal(accepted.status, 201, JSON.stringify(accepted.json).slice(0, 300));
    assert.equal(h.engine.require(`edge-${'a'.repeat(59)}`).promptBytes, MAX_PROMPT_BYTES);
    await call('DELETE', `/sessions/edge-${'a'.repeat(59)}`);

    const over = await call('POST', '/sessions/spawn', worstBody('edge-over', MAX_PROMPT_BYTES + 1));
    assert.equal(over.status, 400);
    assert.match(over.json.error, new RegExp(`prompt is ${MAX_PROMPT_BYTES + 1} bytes; at most ${MAX_PROMPT_BYTES} bytes`));
    assert.equal(h.engine.get('edge-over'), undefined);
    const overInput = await call('POST', '/sessions/keep-1/input', { text: controlPrompt(MAX_INPUT_BYTES + 1) });
    assert.equal(overInput.status, 400);
    assert.match(overInput.json.error, new RegExp(`input is ${MAX_INPUT_BYTES + 1} bytes; at most ${MAX_INPUT_BYTES} bytes`));

    // The body's own limit, to the byte: padded with JSON whitespace to exactly the limit it is
    // read (and refused for its content), one byte more is 413, whether announced by
    // Content-Length or found while reading a chunked body.
    const core = '{"name":"edge-pad","prompt":5}';
    const padded = (size: number) => Buffer.from(core + ' '.repeat(size - core.length));
    const bytesOf = (size: number, chunked: boolean) => {
      const body = padded(size);
      const head = `POST /sessions/spawn HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n`;
      if (!chunked) return Buffer.concat([Buffer.from(`${head}Content-Length: ${body.length}\r\n\r\n`), body]);
      const pieces = [];
      for (let at = 0; at < body.length; at += 65536) {
        const piece = body.subarray(at, at + 65536);
        pieces.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
      }
      return Buffer.concat([Buffer.from(`${head}Transfer-Encoding: chunked\r\n\r\n`), ...pieces, Buffer.from('0\r\n\r\n')]);
    };
    for (const chunked of [false, true]) {
      const at = await exchange(port, bytesOf(MAX_BODY_BYTES, chunked), 30_000);
      assert.equal(at.responses[0]?.status, 400, `at the limit, chunked: ${chunked}`);
      assert.match(JSON.parse(at.responses[0].body).error, /"prompt", a string/);
      const beyond = await exchange(port, bytesOf(MAX_BODY_BYTES + 1, chunked), 30_000);
      assert.equal(beyond.responses[0]?.status, 413, `one byte over, chunked: ${chunked}`);
      assert.match(beyond.responses[0].body, new RegExp(`over ${MAX_BODY_BYTES} bytes`));
    }
    // A client that goes on sending far past the limit gets its 413 and the connection closes.
    const flood = await exchange(port, bytesOf(MAX_BODY_BYTES * 3, true), 30_000);
    assert.equal(flood.responses[0]?.status, 413);
    assert.ok(!flood.timedOut);
  });
});

describe('HTTP API rate limit under the fuzz', () => {
  it('answers 429 with Retry-After to a client over the limit, whatever it sends', async () => {
    const h = await startHarness('apifuzzrate', { agentCommand: RECORDER_AGENT });
    const token = generateToken();
    const errors: string[] = [];
    // 3 a minute: one more request is let through only after 20 s, longer than this test takes.
    const api = new ApiServer(h.engine, { port: 0, token, cwd: h.root, version: 'x', logger: recordingLogger(errors), requestsPerMinute: 3 });
    try {
      const port = await api.start();
      const generator = new Generator(prng(SEED ^ 0x5bd1e995), token, ['no-live-session']);
      const health = Buffer.from('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      for (let i = 0; i < 3; i += 1) assert.equal((await exchange(port, health, 5000)).responses[0]?.status, 200);
      const started = Date.now();
      for (let i = 0; i < 100; i += 1) {
        const request = generator.nextReachingLimiter();
        const result = await exchange(port, request.bytes, 5000);
        const response = result.responses[0];
        assert.equal(response?.status, 429, `#${i} (seed ${SEED}) ${request.what}: ${response?.status} ${response?.body.slice(0, 200)}`);
        assert.ok(Number(response.headers['retry-after']) >= 1);
        if (response.body !== '') assert.match(JSON.parse(response.body).error, /at most 3 a minute/); // no body for HEAD
      }
      assert.ok(Date.now() - started < 20_000, 'the test outran the refill, as it must to mean anything');
      // Refused before the limiter, as before it: a browser's request is still a 403, not a 429.
      const fromPage = await exchange(port, Buffer.from('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://evil.example.com\r\nConnection: close\r\n\r\n'), 5000);
      assert.equal(fromPage.responses[0]?.status, 403);
      assert.deepEqual(errors, []);
    } finally {
      await api.stop();
      await h.dispose();
    }
  });
});
