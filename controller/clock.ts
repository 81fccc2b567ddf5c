// Time as a dependency, so state machines and schedulers can be tested with a fake clock.
// One definition, shared with the OVSDB library (controller/ may import ovsdb/, not the reverse).
export { type Clock, systemClock } from '../ovsdb/session/clock';
