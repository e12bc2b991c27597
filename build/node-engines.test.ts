import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const repository = fileURLToPath(new URL('..', import.meta.url));
const semver = require('semver') as { satisfies(version: string, range: string): boolean; minVersion(range: string): { version: string } | null };

/**
 * The packages `npm install` warns about (EBADENGINE: they ask for Node 22) while the project asks
 * for Node 20.19+. Each is explained in the README (Set up); a new one fails this test until it is.
 */
const explained: Record<string, string> = {
  'content-disposition@3': 'ES module, require()d by @fastify/static (swagger-ui)',
  'cookie@2': 'ES module, require()d by light-my-request (fastify inject)',
  '@electron/rebuild@4': 'ES module, loaded by electron-builder and build/rebuild-native.ts',
  'node-abi@4': 'ES module, loaded by @electron/rebuild',
  'electron@45': 'its install script (the binary download, skipped here) require()s @electron/get 5; CoverDesk reads only its typings and path',
  '@electron/get@5': "ES module, require()d by electron's install script to download the binary",
  '@electron-internal/extract-zip@1': 'ES module, unpacks that download',
  'graphql@17': 'pinned by rxdb for its GraphQL replication plugin, which CoverDesk does not load',
  'z-schema@12': 'pinned by rxdb for its z-schema validator plugin, which CoverDesk does not load',
};

/** Every installed package (nested ones too) whose `engines.node` excludes the project's minimum. */
function packagesRefusingMinimum(minimum: string): string[] {
  const found = new Set<string>();
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name.startsWith('.') || !statSync(path).isDirectory()) continue;
      if (name.startsWith('@')) {
        visit(path);
        continue;
      }
      const manifest = join(path, 'package.json');
      if (existsSync(manifest)) {
        const {
          name: packageName,
          version,
          engines,
        } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string; engines?: { node?: unknown } };
        if (packageName && version && typeof engines?.node === 'string' && !semver.satisfies(minimum, engines.node))
          found.add(`${packageName}@${version.split('.')[0]}`);
      }
      if (existsSync(join(path, 'node_modules'))) visit(join(path, 'node_modules'));
    }
  };
  visit(join(repository, 'node_modules'));
  return [...found].sort();
}

describe("Node 20.19+ is enough, whatever some dependencies' engines say", () => {
  const engines = (JSON.parse(readFileSync(join(repository, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
  const minimum = semver.minVersion(engines)!.version;

  it('every installed package that asks for a newer Node is one the README explains', () => {
    expect(minimum).toBe('20.19.0');
    expect(packagesRefusingMinimum(minimum)).toEqual(Object.keys(explained).sort());
    const readme = readFileSync(join(repository, 'README.md'), 'utf8');
    for (const name of Object.keys(explained)) expect(readme, name).toContain(`\`${name.replace(/@(\d+)$/, ' $1')}\``);
  });

  it('the ES-module ones load and work on this Node through require(), as their users load them', () => {
    const probe = `const contentDisposition = require('content-disposition');
require('@fastify/static');
const cookie = require('cookie');
require('light-my-request');
const electronGet = require(require.resolve('@electron/get', { paths: [require.resolve('electron/package.json')] }));
import('@electron/rebuild').then(async (rebuild) => {
  const nodeAbi = await import(require.resolve('node-abi', { paths: [require.resolve('@electron/rebuild')] }));
  console.log(JSON.stringify({
    node: process.versions.node,
    disposition: contentDisposition.create('report.pdf'),
    cookie: cookie.stringifySetCookie({ name: 'a', value: 'b' }),
    rebuild: typeof rebuild.rebuild,
    download: typeof electronGet.downloadArtifact,
    abi: nodeAbi.getAbi('45.6.1', 'electron'),
  }));
});`;
    const result = spawnSync(process.execPath, ['-e', probe], { cwd: repository, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const answer = JSON.parse(result.stdout) as { node: string };
    expect(answer).toEqual({
      node: process.versions.node,
      disposition: 'attachment; filename=report.pdf',
      cookie: 'a=b',
      rebuild: 'function',
      download: 'function',
      abi: '150',
    });
  });

  it('CoverDesk never loads the rxdb plugins that need graphql 17 or z-schema 12', () => {
    const sources = spawnSync(
      'git',
      [
        'grep',
        '-l',
        '-E',
        'rxdb/plugins/(replication-graphql|validate-z-schema)|from .(graphql|z-schema).',
        '--',
        '*.ts',
        '*.tsx',
        ':!build/node-engines.test.ts',
      ],
      { cwd: repository, encoding: 'utf8' },
    );
    expect(sources.stdout).toBe('');
  });
});
