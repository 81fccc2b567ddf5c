// The lab's state file, <dir>/lab.json: the plan (every name and directory) written before
// anything exists, then each process as soon as it has a pid. Every write replaces the file
// atomically, so a `kill -9` at any moment leaves either the old or the new record.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabPlan } from './plan';
import type { ProcessIdentity } from './processes';

export const STATE_FILE = 'lab.json';

export type Role = 'up' | 'etcd' | 'ovsdb-server' | 'ovs-vswitchd' | 'ovsnet' | 'dockerd' | 'containerd';

export interface ProcessRecord extends ProcessIdentity {
  role: Role;
  host?: string;
}

export interface LabState {
  version: 1;
  createdAt: string;
  plan: LabPlan;
  /** The `lab up` process while it may still be creating things (not set when a test brings the lab up in-process). */
  launcher?: ProcessRecord;
  processes: ProcessRecord[];
  /** ovsnet daemon options this build documents and the lab therefore passes (e.g. --etcd). */
  daemonOptions: string[];
  complete: boolean;
}

export function statePath(dir: string): string {
  return join(dir, STATE_FILE);
}

export function readState(dir: string): LabState | undefined {
  const path = statePath(dir);
  if (!existsSync(path)) return undefined;
  const state = JSON.parse(readFileSync(path, 'utf8')) as LabState;
  if (state.version !== 1) throw new Error(`${path}: unknown lab state version ${String(state.version)}`);
  return state;
}

/** Owns the state file while `up` runs; each change is on disk before the call returns. */
export class StateWriter {
  constructor(readonly state: LabState) {
    this.flush();
  }

  get plan(): LabPlan {
    return this.state.plan;
  }

  addProcess(record: ProcessRecord): void {
    this.state.processes.push(record);
    this.flush();
  }

  update(change: (state: LabState) => void): void {
    change(this.state);
    this.flush();
  }

  private flush(): void {
    writeState(this.state);
  }
}

/** Replaces the state file in one step (write beside it, then rename over it). */
export function writeState(state: LabState): void {
  const path = statePath(state.plan.dir);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, path);
}
