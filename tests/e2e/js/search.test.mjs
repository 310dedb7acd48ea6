// SearchCases through the JavaScript SDK: paginateSearchCases walks every
// page of filtered, sorted and full-text queries, and the result (set,
// order and totalCount) is compared with a reference evaluation over the
// same seeded data; bad filters and altered tokens are ValidationExceptions.
//
// A server is started on a free loopback port with a fresh SQLite store
// before the tests and stopped with SIGTERM after them (it must exit 0).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  BatchPutFieldOptionsCommand,
  ConnectCasesClient,
  CreateCaseCommand,
  CreateDomainCommand,
  CreateFieldCommand,
  CreateTemplateCommand,
  SearchCasesCommand,
  ValidationException,
  paginateSearchCases,
} from '@aws-sdk/client-connectcases';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = path.resolve(ROOT, process.env.CASESD_BIN || 'build/casesd');
const LOG_LEVEL = process.env.CASESD_LOG_LEVEL || 'warn';
const N_CASES = 120;
const CUSTOMER = 'arn:aws:profile:us-east-1:123456789012:domains/d1/profiles/p1';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts casesd; resolves once GET /health answers 200 (within 10 s).
async function startServer() {
  if (!fs.existsSync(BIN)) throw new Error(`server binary ${BIN} not found (run make)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casesd-js-'));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ['--listen', `127.0.0.1:${port}`, '--store', path.join(dir, 'casesd.db'),
    '--region', 'us-east-1', '--account-id', '123456789012', '--log-level', LOG_LEVEL];
  const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => { output = (output + chunk.toString()).slice(-8192); };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
    proc.on('error', (err) => resolve({ code: null, signal: null, error: err }));
  });
  let done = null;
  exited.then((r) => { done = r; });
  const server = { proc, port, endpoint, dir, exited, output: () => output };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (done) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`server exited early (${JSON.stringify(done)}):\n${output}`);
    }
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return server;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  proc.kill('SIGKILL');
  await exited;
  fs.rmSync(dir, { recursive: true, force: true });
  throw new Error(`server not ready within 10 s:\n${output}`);
}

// SIGTERM, then SIGKILL after 10 s; resolves with { code, signal }.
async function stopServer(server) {
  if (!server) return null;
  server.proc.kill('SIGTERM');
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(null), 10_000); });
  let result = await Promise.race([server.exited, timeout]);
  clearTimeout(timer);
  if (result === null) {
    server.proc.kill('SIGKILL');
    result = await server.exited;
  }
  fs.rmSync(server.dir, { recursive: true, force: true });
  return result;
}

// A small seeded generator (mulberry32), so every run has the same data.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['mango', 'quokka', 'walrus', 'tundra', 'violet', 'sparrow', 'lynx', 'zephyr'];
const PICKS = ['low', 'high', 'urgent'];

// The reference: which cases match, and the order of their sort keys.
const lower = (s) => s.replace(/[A-Z]/g, (ch) => ch.toLowerCase());
function holds(filter, c) {
  if (filter.andAll) return filter.andAll.every((f) => holds(f, c));
  if (filter.orAll) return filter.orAll.some((f) => holds(f, c));
  if (filter.not) return !holds(filter.not, c);
  if (filter.tag) return c.tags[filter.tag.equalTo.key] === filter.tag.equalTo.value;
  const [op, { id, value }] = Object.entries(filter.field)[0];
  const have = c.values[id];
  if ('emptyValue' in value) return have === undefined;
  if (have === undefined) return false;
  const want = Object.values(value)[0];
  switch (op) {
    case 'equalTo': return have === want;
    case 'contains': return lower(have).includes(lower(want));
    case 'greaterThan': return have > want;
    case 'greaterThanOrEqualTo': return have >= want;
    case 'lessThan': return have < want;
    default: return have <= want;
  }
}
function termHolds(term, c) {
  const want = (term.match(/[A-Za-z0-9]+/g) || []).map((w) => w.toLowerCase());
  const have = Object.values(c.values).filter((v) => typeof v === 'string')
    .flatMap((v) => (v.match(/[A-Za-z0-9]+/g) || []).map((w) => w.toLowerCase()));
  return want.every((w) => have.some((h) => h.startsWith(w)));
}
// Sort keys of a case; a missing value sorts last either way.
function compareKeys(a, b, sorts) {
  for (let i = 0; i < sorts.length; i++) {
    if (a[i] === b[i]) continue;
    if (a[i] === undefined) return 1;
    if (b[i] === undefined) return -1;
    const r = a[i] < b[i] ? -1 : 1;
    return sorts[i].sortOrder === 'Desc' ? -r : r;
  }
  return 0;
}

describe('SearchCases via @aws-sdk/client-connectcases', () => {
  let server;
  let client;
  let domainId;
  let ids;          // field key -> field id
  const cases = {}; // caseId -> { values: {fieldId: scalar}, tags }

  before(async () => {
    server = await startServer();
    client = new ConnectCasesClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    ({ domainId } = await client.send(new CreateDomainCommand({ name: `js-search-${process.pid}` })));
    ids = {};
    for (const [key, type] of [['txt', 'Text'], ['num', 'Number'], ['flag', 'Boolean'],
      ['when', 'DateTime'], ['pick', 'SingleSelect']]) {
      ids[key] = (await client.send(new CreateFieldCommand({ domainId, name: key, type }))).fieldId;
    }
    await client.send(new BatchPutFieldOptionsCommand({
      domainId, fieldId: ids.pick, options: PICKS.map((p) => ({ name: p, value: p, active: true })),
    }));
    const { templateId } = await client.send(new CreateTemplateCommand({ domainId, name: 'tpl' }));
    const next = rng(4242);
    const pick = (list) => list[Math.floor(next() * list.length)];
    const jobs = [];
    for (let i = 0; i < N_CASES; i++) {
      const values = { title: `${pick(WORDS)} ${pick(WORDS).toUpperCase()}` };
      const fields = [{ id: 'title', value: { stringValue: values.title } },
        { id: 'customer_id', value: { stringValue: CUSTOMER } }];
      if (next() < 0.8) values[ids.txt] = `${pick(WORDS)} ${i}`;
      if (next() < 0.8) values[ids.num] = Math.floor(next() * 20) - 5;
      if (next() < 0.7) values[ids.flag] = next() < 0.5;
      if (next() < 0.8) {
        values[ids.when] = new Date(Date.UTC(2024, 0, 1 + Math.floor(next() * 30))).toISOString();
      }
      if (next() < 0.7) values[ids.pick] = pick(PICKS);
      for (const key of ['txt', 'num', 'flag', 'when', 'pick']) {
        const v = values[ids[key]];
        if (v === undefined) continue;
        const member = { num: 'doubleValue', flag: 'booleanValue' }[key] || 'stringValue';
        fields.push({ id: ids[key], value: { [member]: v } });
      }
      const tags = next() < 0.4 ? { team: pick(['blue', 'red']) } : {};
      jobs.push(client.send(new CreateCaseCommand({ domainId, templateId, fields, tags }))
        .then(({ caseId }) => {
          values.status = 'open';
          cases[caseId] = { values, tags };
        }));
    }
    await Promise.all(jobs);
  });

  after(async () => {
    client?.destroy();
    const result = await stopServer(server);
    if (server) {
      assert.deepEqual(result, { code: 0, signal: null },
        `server exit on SIGTERM; output:\n${server.output()}`);
    }
  });

  // Walks the query with paginateSearchCases and checks it against the reference.
  async function check(input, pageSize) {
    const sorts = input.sorts;
    const want = Object.keys(cases).filter((id) =>
      (!input.filter || holds(input.filter, cases[id])) && termHolds(input.searchTerm || '', cases[id]));
    const keyOf = (id) => sorts.map((s) => cases[id].values[s.fieldId]);
    want.sort((a, b) => compareKeys(keyOf(a), keyOf(b), sorts));
    const got = [];
    let pages = 0;
    for await (const page of paginateSearchCases({ client, pageSize }, { domainId, ...input })) {
      pages++;
      assert.ok(page.cases.length <= pageSize, `page ${pages} over pageSize`);
      assert.equal(page.totalCount, want.length, 'totalCount');
      got.push(...page.cases.map((c) => c.caseId));
      assert.ok(pages < 500, 'the paginator ends');
    }
    const label = JSON.stringify(input);
    assert.equal(new Set(got).size, got.length, `no case twice: ${label}`);
    assert.deepEqual([...got].sort(), [...want].sort(), `same cases: ${label}`);
    assert.deepEqual(got.map(keyOf), want.map(keyOf), `same order: ${label}`);
    return got;
  }

  test('every case, sorted on two keys, in pages of 7', async () => {
    const got = await check({
      sorts: [{ fieldId: ids.pick, sortOrder: 'Asc' }, { fieldId: ids.num, sortOrder: 'Desc' }],
    }, 7);
    assert.equal(got.length, N_CASES);
  });

  test('a nested filter with every operator family', async () => {
    const filter = {
      andAll: [
        { orAll: [
          { field: { greaterThan: { id: ids.num, value: { doubleValue: 3 } } } },
          { field: { lessThanOrEqualTo: { id: ids.when, value: { stringValue: '2024-01-10T00:00:00.000Z' } } } },
          { field: { contains: { id: ids.txt, value: { stringValue: 'ANG' } } } },
        ] },
        { not: { field: { equalTo: { id: ids.flag, value: { booleanValue: true } } } } },
        { not: { tag: { equalTo: { key: 'team', value: 'red' } } } },
      ],
    };
    await check({ filter, sorts: [{ fieldId: ids.when, sortOrder: 'Asc' }] }, 5);
  });

  test('blank values, tags and lessThan', async () => {
    await check({ filter: { field: { equalTo: { id: ids.pick, value: { emptyValue: {} } } } },
      sorts: [{ fieldId: ids.num, sortOrder: 'Asc' }] }, 4);
    await check({ filter: { tag: { equalTo: { key: 'team', value: 'blue' } } },
      sorts: [{ fieldId: 'title', sortOrder: 'Desc' }] }, 6);
    await check({ filter: { field: { lessThan: { id: ids.num, value: { doubleValue: 0 } } } },
      sorts: [{ fieldId: ids.num, sortOrder: 'Desc' }, { fieldId: 'title', sortOrder: 'Asc' }] }, 3);
  });

  test('searchTerm is case-insensitive and matches word prefixes', async () => {
    const a = await check({ searchTerm: 'MANG', sorts: [{ fieldId: 'title', sortOrder: 'Asc' }] }, 10);
    const b = await check({ searchTerm: 'mango', sorts: [{ fieldId: 'title', sortOrder: 'Asc' }] }, 10);
    assert.ok(a.length > 0 && b.length > 0, 'the term matches cases');
  });

  test('ValidationException: unknown field, misfit value, altered token', async () => {
    const fail = async (input) => {
      let err;
      try {
        await client.send(new SearchCasesCommand({ domainId, ...input }));
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof ValidationException, `expected ValidationException, got ${err}`);
      assert.equal(err.$metadata?.httpStatusCode, 400);
      return err;
    };
    const e1 = await fail({ filter: { field: { equalTo: { id: 'nope', value: { stringValue: 'x' } } } } });
    assert.match(e1.message, /nope/);
    const e2 = await fail({ filter: { field: { equalTo: { id: ids.num, value: { stringValue: 'x' } } } } });
    assert.ok(e2.message.includes(ids.num), 'the message names the field');
    const first = await client.send(new SearchCasesCommand({ domainId, maxResults: 2 }));
    assert.equal(typeof first.nextToken, 'string');
    const t = first.nextToken;
    const mid = Math.floor(t.length / 2);
    const altered = t.slice(0, mid) + (t[mid] === 'A' ? 'Q' : 'A') + t.slice(mid + 1);
    await fail({ maxResults: 2, nextToken: altered });
    await fail({ maxResults: 2, nextToken: t, searchTerm: 'mango' });
  });
});
