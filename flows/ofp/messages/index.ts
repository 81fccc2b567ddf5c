// Every message family the codec knows, one module each.
import { bundle } from './bundle';
import { error } from './error';
import type { MessageFamily } from './family';
import { flow } from './flow';
import { group } from './group';
import { handshake } from './handshake';
import { meter } from './meter';
import { multipart } from './multipart';
import { packet } from './packet';
import { port } from './port';
import { role } from './role';

export const FAMILIES: readonly MessageFamily[] = [
  handshake,
  error,
  packet,
  flow,
  port,
  group,
  meter,
  multipart,
  role,
  bundle,
];
