import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import Ajv from 'ajv';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The Electron binary cannot be downloaded on build agents like this one, so installers cannot be
 * produced here; what can be checked is that the configuration is one electron-builder accepts
 * (its own JSON schema) and that every file it points at exists.
 */
describe('electron-builder configuration', () => {
  const config = parse(readFileSync(here('./electron-builder.yml'), 'utf8')) as Record<string, unknown>;

  it('validates against electron-builder\'s schema', () => {
    const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  });

  it('targets AppImage, deb, NSIS and dmg with an app id, icons and an update feed', () => {
    expect(config.appId).toBe('org.coverdesk.desk');
    expect((config.linux as { target: string[] }).target).toEqual(['AppImage', 'deb']);
    expect((config.win as { target: string[] }).target).toEqual(['nsis']);
    expect((config.mac as { target: string[] }).target).toEqual(['dmg']);
    expect((config.publish as { provider: string; url: string }[])[0]).toMatchObject({ provider: 'generic' });
    for (const platform of ['linux', 'win', 'mac'] as const) {
      const icon = (config[platform] as { icon: string }).icon;
      expect(existsSync(here(`../${icon}`)), icon).toBe(true);
    }
    expect(config.npmRebuild).toBe(true);
  });
});
