import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deskChannels } from '../../desk-api/contract';
import { DeskBackend } from '../backend';
import { handlerModules } from '.';
import type { SlotTools } from './context';

const dirs: string[] = [];
const backends: DeskBackend[] = [];
afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('desk handler modules', () => {
  it('answer every channel the preload exposes, each channel in exactly one module', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-modules-'));
    dirs.push(dir);
    const desk = new DeskBackend({ dataDir: dir, devices: {} });
    backends.push(desk);
    const tools: SlotTools = {
      slot: { session: null },
      signedOut: () => null,
      requireMedco: () => null,
      queue: () => ({ ok: true, value: null }),
      online: async () => ({ ok: true, value: null as never }),
    };
    const owners = new Map<string, string[]>();
    for (const [name, module] of Object.entries(handlerModules)) {
      for (const channel of Object.keys(module(desk, tools))) owners.set(channel, [...(owners.get(channel) ?? []), name]);
    }
    const shared = [...owners].filter(([, modules]) => modules.length > 1);
    expect(shared).toEqual([]);
    expect([...owners.keys()].sort()).toEqual([...deskChannels].sort());
    expect(Object.keys(desk.handlers).sort()).toEqual([...deskChannels].sort());
  });
});
