// End-to-end tests that drive a real casesd through the JavaScript SDK.
//
// A server is started on a free loopback port with a fresh SQLite store
// before the tests and stopped with SIGTERM after them (it must exit 0).
// The binary is taken from CASESD_BIN, or build/casesd in the repo root.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  ConflictException,
  ConnectCasesClient,
  CreateDomainCommand,
  CreateFieldCommand,
  GetDomainCommand,
  ListFieldsCommand,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ValidationException,
  paginateListDomains,
  paginateListFields,
} from '@aws-sdk/client-connectcases';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = path.resolve(ROOT, process.env.CASESD_BIN || 'build/casesd');
const LOG_LEVEL = process.env.CASESD_LOG_LEVEL || 'warn';

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

// Starts casesd with extra flags; resolves once GET /health answers
// 200 {"status":"ok"} (within 10 s), rejects with the server's output if not.
async function startServer(extraArgs = []) {
  if (!fs.existsSync(BIN)) throw new Error(`server binary ${BIN} not found (run make)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casesd-js-'));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const args = [
    '--listen', `127.0.0.1:${port}`,
    '--store', path.join(dir, 'casesd.db'),
    '--region', 'us-east-1',
    '--account-id', '123456789012',
    '--log-level', LOG_LEVEL,
    ...extraArgs,
  ];
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
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (done) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`server exited early (${JSON.stringify(done)}):\n${output}`);
    }
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      const text = await res.text();
      last = `${res.status} ${text}`;
      if (res.status === 200 && JSON.parse(text).status === 'ok') return server;
    } catch (err) {
      last = String(err);
    }
    await sleep(100);
  }
  proc.kill('SIGKILL');
  await exited;
  fs.rmSync(dir, { recursive: true, force: true });
  throw new Error(`server not ready within 10 s (last /health: ${last}):\n${output}`);
}

// Sends SIGTERM and resolves with { code, signal } once the server exits
// (SIGKILL after 10 s, reported as { code: null, signal: 'SIGKILL' }).
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

function makeClient(endpoint) {
  return new ConnectCasesClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
}

// Runs fn, which must fail with an SDK error of class cls and HTTP status;
// returns the error for further checks.
async function expectError(fn, cls, status) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${cls.name}, but the call succeeded`);
  assert.equal(err.name, cls.name, `error name (message: ${err.message})`);
  assert.ok(err instanceof cls, `error is an instance of ${cls.name}`);
  assert.equal(err.$fault, 'client');
  assert.equal(err.$metadata?.httpStatusCode, status);
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0, 'error has a message');
  return err;
}

describe('casesd via @aws-sdk/client-connectcases', () => {
  let server;
  let client;
  let domainPromise = null;
  const domainName = `js-e2e-${process.pid}`;

  // The domain shared by the tests, created once (by the first test to ask).
  const sharedDomain = () => {
    domainPromise ??= client.send(new CreateDomainCommand({ name: domainName }));
    return domainPromise;
  };

  before(async () => {
    server = await startServer();
    client = makeClient(server.endpoint);
  });

  after(async () => {
    client?.destroy();
    const result = await stopServer(server);
    if (server) {
      assert.deepEqual(result, { code: 0, signal: null },
        `server exit on SIGTERM; output:\n${server.output()}`);
    }
  });

  test('create, get and list a domain', async () => {
    const created = await sharedDomain();
    assert.equal(created.$metadata.httpStatusCode, 200);
    assert.equal(typeof created.domainId, 'string');
    assert.ok(created.domainId.length > 0);
    assert.match(created.domainArn, /^arn:aws[a-z-]*:cases:us-east-1:123456789012:domain\//);
    assert.ok(created.domainArn.endsWith(`/${created.domainId}`), 'ARN ends with the id');
    assert.equal(created.domainStatus, 'Active');

    const got = await client.send(new GetDomainCommand({ domainId: created.domainId }));
    assert.equal(got.domainId, created.domainId);
    assert.equal(got.domainArn, created.domainArn);
    assert.equal(got.name, domainName);
    assert.equal(got.domainStatus, 'Active');
    assert.ok(got.createdTime instanceof Date && !Number.isNaN(got.createdTime.getTime()),
      'createdTime decodes to a Date');

    const listed = [];
    for await (const page of paginateListDomains({ client }, {})) listed.push(...page.domains);
    const mine = listed.filter((d) => d.domainId === created.domainId);
    assert.equal(mine.length, 1, 'the domain is listed once');
    assert.equal(mine[0].name, domainName);
    assert.equal(mine[0].domainArn, created.domainArn);
  });

  test('create a field and list fields', async () => {
    const { domainId } = await sharedDomain();
    const field = await client.send(new CreateFieldCommand({
      domainId, name: 'Customer tier', type: 'Text', description: 'tier of the customer',
    }));
    assert.equal(typeof field.fieldId, 'string');
    assert.ok(field.fieldId.length > 0);
    assert.match(field.fieldArn, /^arn:aws[a-z-]*:cases:us-east-1:123456789012:domain\//);

    const list = await client.send(new ListFieldsCommand({ domainId, maxResults: 100 }));
    const mine = list.fields.find((f) => f.fieldId === field.fieldId);
    assert.ok(mine, 'the new field is listed');
    assert.equal(mine.name, 'Customer tier');
    assert.equal(mine.type, 'Text');
    assert.equal(mine.namespace, 'Custom');
    assert.equal(mine.fieldArn, field.fieldArn);
    const system = new Set(list.fields.filter((f) => f.namespace === 'System').map((f) => f.fieldId));
    assert.ok(system.has('title'), 'system field title is listed');
    assert.ok(system.has('status'), 'system field status is listed');
  });

  test('paginateListFields with pageSize 2 yields every field exactly once', async () => {
    const { domainId } = await sharedDomain();
    const created = [];
    for (let i = 1; i <= 5; i++) {
      const f = await client.send(new CreateFieldCommand({ domainId, name: `Page field ${i}`, type: 'Number' }));
      created.push(f.fieldId);
    }

    const seen = [];
    let pages = 0;
    for await (const page of paginateListFields({ client, pageSize: 2 }, { domainId })) {
      pages++;
      assert.ok(page.fields.length <= 2, `page ${pages} has ${page.fields.length} fields, over pageSize 2`);
      seen.push(...page.fields.map((f) => f.fieldId));
      assert.ok(pages < 1000, 'paginator terminates');
    }
    assert.ok(pages > 1, 'more than one page');
    assert.equal(new Set(seen).size, seen.length, `no field is returned twice: ${seen}`);
    for (const id of [...created, 'title', 'status']) {
      assert.ok(seen.includes(id), `field ${id} is returned`);
    }

    // The same set as one unpaged call (maxResults 100 holds them all).
    const all = await client.send(new ListFieldsCommand({ domainId, maxResults: 100 }));
    assert.equal(all.nextToken, undefined, 'one page of 100 holds every field');
    assert.deepEqual([...seen].sort(), all.fields.map((f) => f.fieldId).sort());
  });

  test('ValidationException: CreateDomain with a 101-character name', async () => {
    await expectError(
      () => client.send(new CreateDomainCommand({ name: 'n'.repeat(101) })),
      ValidationException, 400);
  });

  test('ResourceNotFoundException: GetDomain on a missing id', async () => {
    const missing = '00000000-0000-0000-0000-000000000000';
    const err = await expectError(
      () => client.send(new GetDomainCommand({ domainId: missing })),
      ResourceNotFoundException, 404);
    assert.equal(err.resourceId, missing);
    assert.equal(typeof err.resourceType, 'string');
    assert.ok(err.resourceType.length > 0, 'resourceType is set');
  });

  test('ConflictException: CreateDomain with a name already used', async () => {
    await sharedDomain();
    await expectError(
      () => client.send(new CreateDomainCommand({ name: domainName })),
      ConflictException, 409);
  });

  test('ServiceQuotaExceededException: second domain with --quota domains=1', async (t) => {
    const quotaServer = await startServer(['--quota', 'domains=1']);
    const quotaClient = makeClient(quotaServer.endpoint);
    let stopped = false;
    t.after(async () => {
      quotaClient.destroy();
      if (!stopped) await stopServer(quotaServer);
    });

    const first = await quotaClient.send(new CreateDomainCommand({ name: 'quota-one' }));
    assert.equal(first.domainStatus, 'Active');
    await expectError(
      () => quotaClient.send(new CreateDomainCommand({ name: 'quota-two' })),
      ServiceQuotaExceededException, 402);

    stopped = true;
    const result = await stopServer(quotaServer);
    assert.deepEqual(result, { code: 0, signal: null },
      `quota server exit on SIGTERM; output:\n${quotaServer.output()}`);
  });
});
