// Authentication through the JavaScript SDK: casesd started with a
// credentials file (so --auth sigv4) must accept requests the SDK signs for
// a known principal and refuse a wrong secret and an unknown key.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  ConnectCasesClient,
  CreateDomainCommand,
  GetDomainCommand,
  ListDomainsCommand,
} from '@aws-sdk/client-connectcases';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = path.resolve(ROOT, process.env.CASESD_BIN || 'build/casesd');

const ALICE = {
  accessKeyId: 'AKIDJSALICE',
  secretAccessKey: 'js-alice-secret/0123+abcdef',
  account: '111111111111',
  arn: 'arn:aws:iam::111111111111:user/js-alice',
};
const BOB = {
  accessKeyId: 'AKIDJSBOB',
  secretAccessKey: 'js-bob-secret-456',
  account: '222222222222',
  arn: 'arn:aws:iam::222222222222:user/js-bob',
};

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

// Starts casesd with a credentials file holding ALICE and BOB; resolves once
// GET /health answers 200 (it needs no signature).
async function startServer() {
  if (!fs.existsSync(BIN)) throw new Error(`server binary ${BIN} not found (run make)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casesd-js-auth-'));
  const creds = path.join(dir, 'credentials');
  fs.writeFileSync(creds, [ALICE, BOB]
    .map((p) => `${p.accessKeyId} ${p.secretAccessKey} ${p.account} ${p.arn}`)
    .join('\n') + '\n', { mode: 0o600 });
  const port = await freePort();
  const proc = spawn(BIN, [
    '--listen', `127.0.0.1:${port}`,
    '--store', path.join(dir, 'casesd.db'),
    '--credentials', creds,
    '--log-level', 'info',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => { output = (output + chunk.toString()).slice(-65536); };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const server = { proc, dir, endpoint, exited, output: () => output };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break;
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
  throw new Error(`server did not start:\n${output}`);
}

async function stopServer(server) {
  server.proc.kill('SIGTERM');
  const result = await server.exited;
  fs.rmSync(server.dir, { recursive: true, force: true });
  return result;
}

function clientFor(endpoint, who) {
  return new ConnectCasesClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey },
    maxAttempts: 1,
  });
}

async function expectAuthError(fn, name) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${name}, but the call succeeded`);
  assert.equal(err.name, name, `error name (message: ${err.message})`);
  assert.equal(err.$metadata?.httpStatusCode, 403);
  return err;
}

describe('casesd --auth sigv4 via @aws-sdk/client-connectcases', () => {
  let server;
  const clients = [];
  const client = (who) => {
    const c = clientFor(server.endpoint, who);
    clients.push(c);
    return c;
  };

  before(async () => {
    server = await startServer();
  });

  after(async () => {
    for (const c of clients) c.destroy();
    if (!server) return;
    const result = await stopServer(server);
    assert.deepEqual(result, { code: 0, signal: null },
      `server exit on SIGTERM; output:\n${server.output()}`);
  });

  test('a signed request from a known principal works in its account', async () => {
    const alice = client(ALICE);
    const created = await alice.send(new CreateDomainCommand({ name: `js-auth-${process.pid}` }));
    const got = await alice.send(new GetDomainCommand({ domainId: created.domainId }));
    assert.equal(got.domainArn,
      `arn:aws:cases:us-east-1:${ALICE.account}:domain/${created.domainId}`);
    const bobs = await client(BOB).send(new ListDomainsCommand({}));
    assert.ok(!bobs.domains.some((d) => d.domainId === created.domainId),
      'another account must not see the domain');
  });

  test('a wrong secret is an InvalidSignatureException', async () => {
    const c = client({ ...ALICE, secretAccessKey: 'not-the-secret' });
    await expectAuthError(() => c.send(new ListDomainsCommand({})), 'InvalidSignatureException');
  });

  test('an unknown access key is an UnrecognizedClientException', async () => {
    const c = client({ ...ALICE, accessKeyId: 'AKIDJSNOBODY' });
    await expectAuthError(() => c.send(new ListDomainsCommand({})), 'UnrecognizedClientException');
  });

  test('the access log names the principal and never a secret', async () => {
    await client(ALICE).send(new ListDomainsCommand({}));
    const deadline = Date.now() + 5000;
    while (!server.output().includes(`principal=${ALICE.arn}`) && Date.now() < deadline) {
      await sleep(50);
    }
    assert.ok(server.output().includes(`principal=${ALICE.arn}`), server.output());
    assert.ok(!server.output().includes(ALICE.secretAccessKey));
    assert.ok(!server.output().includes(BOB.secretAccessKey));
  });
});
