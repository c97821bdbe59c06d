// The license lifecycle: the machine and the deadlines it schedules.
export * from './machine.js';
export * from './schedule.js';
