/**
 * `=~` patterns against the REAL ganeti-luxid (PCRE through regex-pcre) and the demo luxid
 * loaded with the real cluster's instance names: the same Query on both, the verdict (parse
 * error text, or the names matched) compared pattern by pattern. Then the real
 * `gnt-instance list -F 'name =~ m/^web/i'` against `serve --demo`.
 */
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { UdsServer } from '../../src/dispatch/server.js';
import type { DemoLuxid } from '../../src/demo/luxid.js';
import { ganetiSkip, type RealGaneti, shortTempDir, startRealGaneti } from './peers.js';
import { startVirtualCluster, type VirtualCluster } from './virtual-cluster.js';

const skip = ganetiSkip();

/** Patterns the translation refuses, naming the construct: libpcre takes `a\Kb`, and refuses the other two with its own text. */
const REFUSED = new Set(['a\\Kb', '(?R)?', '(?(1)a|b)']);

/** Valid and invalid patterns, one or more per construct; instance names are `instanceN.example.com`. */
const PATTERNS: readonly string[] = [
  '^instance1',
  '(?i)^INSTANCE2',
  '(?i:INSTANCE)3',
  '^(?i)INSTANCE',
  '(?s)instance.\\.example',
  '(?m)com$',
  '(?x) ^ instance 2 # comment',
  '\\Ainstance3',
  'com\\Z',
  'com\\z',
  '^instance\\z',
  '[[:digit:]]\\.',
  '[[:^digit:]]{8}3',
  '[[:alpha:][:digit:]]+\\.ex',
  '\\Qinstance1.\\E',
  'instance\\h?1',
  '\\d++\\.',
  '(?>inst|instance)1',
  'instance1.*+com',
  '\\x{69}nstance1',
  '\\151nstance3',
  '^.{21}$',
  '\\w+\\.example\\.com$',
  '(?<n>instance)\\d(?P=n)?',
  '(?|instance)2',
  '(?<=e)2',
  '\\8',
  'ɩnstance1',
  'é',
  '(',
  ')',
  '[a',
  '*x',
  'a**',
  'a{2,1}',
  'a{70000}',
  '\\',
  '(?z)',
  '(?<1a>x)',
  '[[:foo:]]',
  '[:digit:]',
  '[z-a]',
  '\\u00e9',
  '\\x{100}',
  '\\400',
  '(a)\\2',
  '(?<=a+)b',
  '(*FOO)',
  'é(',
  '[é-a]',
  ...REFUSED,
];

/** One Query over a fresh connection, sent as the Python client sends it (non-ASCII as \u escapes). */
function query(socket: string, pattern: string): Promise<{ success: boolean; result: unknown }> {
  const request = JSON.stringify({ method: 'Query', args: ['instance', ['name'], ['=~', 'name', pattern]] }).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return new Promise((resolve, reject) => {
    const conn = createConnection(socket);
    const chunks: Buffer[] = [];
    conn.setTimeout(10_000, () => conn.destroy(new Error(`no answer to ${request}`)));
    conn.on('data', (c: Buffer) => {
      chunks.push(c);
      const all = Buffer.concat(chunks);
      const end = all.indexOf(3);
      if (end < 0) return;
      conn.destroy();
      // The real luxid writes non-ASCII as code point mod 256: read bytes as Latin-1.
      resolve(JSON.parse(all.subarray(0, end).toString('latin1')) as { success: boolean; result: unknown });
    });
    conn.on('error', reject);
    conn.end(Buffer.from(`${request}\u0003`, 'latin1'));
  });
}

/** The verdict: the matched names, or the parse error after its value echo (`..., error: (1,"missing )")`). */
function verdict(answer: { success: boolean; result: unknown }): string {
  if (answer.success) {
    const rows = (answer.result as { data: Array<Array<[number, unknown]>> }).data;
    return `matches ${JSON.stringify(rows.map((row) => row[0]?.[1]))}`;
  }
  const text = String(answer.result);
  assert.match(text, /^Failed to parse request: Cannot convert value '.*', error: /s);
  return `error ${text.slice(text.indexOf("', error: ") + 10)}`;
}

describe('=~ patterns: the demo luxid answers as the real ganeti-luxid (PCRE)', { skip }, () => {
  let real: RealGaneti | undefined;
  let demo: DemoLuxid | undefined;
  let server: UdsServer | undefined;
  let demoSocket = '';
  let names: string[] = [];

  before(
    async () => {
      real = await startRealGaneti();
      const all = await query(real.luxiSocket, '');
      names = (all.result as { data: Array<Array<[number, string]>> }).data.map((row) => row[0]?.[1] as string);
      const { createServer } = await import('../../src/dispatch/server.js');
      const { createLuxiHandler } = await import('../../src/protocols/luxi/handler.js');
      const { DemoLuxid } = await import('../../src/demo/luxid.js');
      const { loadCluster, sampleCluster } = await import('../../src/demo/cluster.js');
      // The demo serves the real cluster's instance names (the rest of each instance is the sample's).
      const sample = sampleCluster();
      const base = sample.instances;
      const cluster = loadCluster({
        ...sample,
        instances: names.map((name, i) => ({
          ...base[i % base.length],
          name,
          uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        })),
      });
      demo = new DemoLuxid({ cluster });
      server = createServer(createLuxiHandler(demo), {});
      demoSocket = join(shortTempDir('pcre-'), 's');
      await server.listen(demoSocket);
    },
    { timeout: 60_000 },
  );

  after(async () => {
    await server?.close();
    demo?.close();
    await real?.stop();
  });

  test('the demo serves the real luxid instance names', { timeout: 20_000 }, async () => {
    assert.ok(names.length > 0, 'the real luxid has instances');
    assert.equal(verdict(await query(demoSocket, '')), `matches ${JSON.stringify(names)}`);
  });

  for (const pattern of PATTERNS) {
    const what = REFUSED.has(pattern) ? 'refused by ganeti-uds, naming the construct' : 'same verdict as the real luxid';
    test(`${JSON.stringify(pattern)}: ${what}`, { timeout: 20_000 }, async () => {
      const realVerdict = verdict(await query(real?.luxiSocket as string, pattern));
      const demoVerdict = verdict(await query(demoSocket, pattern));
      if (REFUSED.has(pattern)) {
        assert.match(demoVerdict, /^error \(\d+,".* is not supported by ganeti-uds/);
        return;
      }
      assert.equal(demoVerdict, realVerdict);
    });
  }

  test('the whole error text matches for an ASCII pattern', { timeout: 20_000 }, async () => {
    const realAnswer = await query(real?.luxiSocket as string, 'a{2,1}');
    const demoAnswer = await query(demoSocket, 'a{2,1}');
    assert.equal(demoAnswer.result, realAnswer.result);
    assert.equal(demoAnswer.success, false);
  });
});

describe('the real gnt-instance list -F with a Perl-style regex on serve --demo', { skip }, () => {
  let vc: VirtualCluster | undefined;
  before(async () => {
    vc = await startVirtualCluster();
  });
  after(async () => {
    await vc?.stop();
  });

  test("gnt-instance list -F 'name =~ m/^web/i' sends (?i)^web and lists the web instances", { timeout: 60_000 }, async () => {
    const cluster = vc as VirtualCluster;
    const r = await cluster.gnt('gnt-instance', ['list', '--no-headers', '-o', 'name', '-F', 'name =~ m/^web/i']);
    assert.equal(r.code, 0, r.report);
    assert.deepEqual(r.stdout.trim().split('\n').sort(), ['web1.example.com', 'web2.example.com']);
    const sent = JSON.stringify(r.exchanges.filter((ex) => ex.method === 'Query').map((ex) => ex.args));
    assert.ok(sent.includes('["=~","name","(?i)^web"]'), sent);
  });
});
