// Re-exports the message value types family modules need, so each imports from one place.
export type { GroupType, MeterBand, OfpMessage } from '../types';
export type { MessageOf } from './family';
