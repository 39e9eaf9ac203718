/**
 * The README's examples, run as written against a started server: every `sh` block that calls
 * curl, in order, as one shell session (they share `$ALICE`, `$BOB`, `$ROOM`), then the graphql-ws
 * snippet as the README says to run it. Only the address changes, to the test server's port.
 * Needs bash, curl and jq, as the README says.
 */
import { spawn, execFile, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from './support/test-server.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The fenced blocks of one language, in order. */
function codeBlocks(language: string): string[] {
  const fence = new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm');
  return [...README.matchAll(fence)].map((match) => match[1]!);
}

/** Waits until `predicate` holds for everything the child printed, or it exits. */
function waitForOutput(child: ChildProcessWithoutNullStreams, predicate: (output: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (predicate(output)) {
        child.stdout.off('data', onData);
        child.off('exit', onExit);
        resolve(output);
      }
    };
    const onExit = (code: number | null) => reject(new Error(`the snippet exited (${code}) having printed:\n${output}`));
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
}

describe('README examples', () => {
  let server: TestServer;
  let address: string;
  let aliceToken: string;
  let shellOutput: string;

  beforeAll(async () => {
    server = await startTestServer({ ADMIN_USERS: '@alice:localhost' });
    address = server.baseUrl.replace('http://', '');
    const blocks = codeBlocks('sh').filter((block) => block.includes('curl'));
    // curl fails on any HTTP error status, so a refused example stops the session.
    const script = [
      'set -euo pipefail',
      'curl() { command curl --fail-with-body "$@"; }',
      ...blocks,
      'printf "\\nALICE_TOKEN=%s\\n" "$ALICE"',
    ]
      .join('\n')
      .replaceAll('localhost:8008', address);
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { timeout: 60_000 });
    shellOutput = stdout;
    aliceToken = /ALICE_TOKEN=(\S+)/.exec(stdout)![1]!;
  });

  afterAll(() => server.close());

  it('runs every shell example, each answering as its comment says', () => {
    expect(codeBlocks('sh').filter((block) => block.includes('curl')).length).toBeGreaterThanOrEqual(4);
    expect(aliceToken).toMatch(/^pr_/);
    expect(shellOutput).toContain('"presence":"busy"');
    expect(shellOutput).toContain('"status_msg":"In a call"');
    expect(shellOutput).toMatch(/\[\s*"![^"]+:localhost"\s*\]/); // bob's sync shows the peeked room
    expect(shellOutput).toContain('"presence_get"'); // the admin's legacy usage
    expect(shellOutput).toContain('{"data":{"setManualPresence":{"state":"BUSY","statusMsg":"In a call"}}}');
    expect(shellOutput).toMatch(/"path":\["presences",1\]/);
  });

  it('runs the graphql-ws snippet: alice streams on, bob is refused alone', async () => {
    const [snippet] = codeBlocks('js');
    // Inside the checkout, so that `graphql-ws` and `ws` resolve as the README says.
    const dir = mkdtempSync(join(REPO_ROOT, 'node_modules', '.readme-'));
    const file = join(dir, 'follow.mjs');
    writeFileSync(file, snippet!.replaceAll('localhost:8008', address));
    const child = spawn(process.execPath, [file], { env: { ...process.env, TOKEN: aliceToken } });
    try {
      await waitForOutput(child, (out) => out.includes('FORBIDDEN') && out.includes('@alice:localhost'));
      const response = await fetch(`${server.baseUrl}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${aliceToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'mutation { setStatus(statusMsg: "Back soon") { statusMsg } }' }),
      });
      expect(response.status).toBe(200);
      const output = await waitForOutput(child, (out) => out.includes('Back soon'));
      expect(output).not.toContain('FORBIDDEN');
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
