// Which sandbox a manual attach talks about: a Docker container (name or id, resolved through
// the Engine API) or any network namespace given by pid or path. Ports are labelled with
// the container reference exactly as typed (ovs-docker does the same), so lookups accept
// every name the container is known by.
import { existsSync } from 'node:fs';
import { inspectContainer, dockerSocketPath } from '../host/docker-api';
import { ControllerError, invalid, isControllerError } from '../errors';

export interface AttachTarget {
  /** The reference as typed; becomes external_ids:container_id. */
  given: string;
  /** Every string a stored container_id may equal to mean this container. */
  aliases: string[];
  /** Docker's full id, when known: a stored short id (a prefix of it) matches too. */
  fullId?: string;
  /** The namespace to put the interface into; set only for a running target. */
  nsPath?: string;
}

export interface TargetOptions {
  netns?: string;
  env?: NodeJS.ProcessEnv;
}

/** A target that must be running, for add-port. */
export async function runningTarget(
  container: string,
  options: TargetOptions = {},
): Promise<AttachTarget & { nsPath: string }> {
  if (options.netns !== undefined) return { given: container, aliases: [container], nsPath: netnsPath(options.netns) };
  const state = await inspectContainer(container, dockerSocketPath(options.env));
  if (!state.running || state.pid <= 0) throw new ControllerError('CONFLICT', `container ${container} is not running`);
  return {
    given: container,
    aliases: uniq([container, state.id, state.name]),
    fullId: state.id,
    nsPath: `/proc/${state.pid}/ns/net`,
  };
}

/**
 * A target for removal: the container may be stopped or gone (its ports still deserve
 * cleaning), so Docker not knowing it, or not answering, only narrows the aliases.
 */
export async function knownTarget(container: string, options: TargetOptions = {}): Promise<AttachTarget> {
  if (options.netns !== undefined) return { given: container, aliases: [container] };
  try {
    const state = await inspectContainer(container, dockerSocketPath(options.env));
    return { given: container, aliases: uniq([container, state.id, state.name]), fullId: state.id };
  } catch (error) {
    if (isControllerError(error, 'NOT_FOUND') || isControllerError(error, 'UNAVAILABLE'))
      return { given: container, aliases: [container] };
    throw error;
  }
}

export function matchesTarget(target: AttachTarget, storedContainerId: string | undefined): boolean {
  if (storedContainerId === undefined || storedContainerId === '') return false;
  if (target.aliases.includes(storedContainerId)) return true;
  return target.fullId !== undefined && storedContainerId.length >= 12 && target.fullId.startsWith(storedContainerId);
}

function netnsPath(ref: string): string {
  const path = /^[0-9]+$/.test(ref) ? `/proc/${ref}/ns/net` : ref;
  if (!existsSync(path)) throw invalid(`network namespace ${ref} does not exist (${path})`);
  return path;
}

function uniq(values: string[]): string[] {
  return [...new Set(values.filter((v) => v !== ''))];
}
