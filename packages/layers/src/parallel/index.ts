/**
 * Data-parallel training: a coordinator ({@link dataParallel}) and a worker
 * loop ({@link serveDataParallel}) speaking over Web-Worker-shaped ports.
 */
export { dataParallel, DataParallel, parallelUnavailableReason, splitBatch, type DataParallelOptions, type DataParallelStats, type ParallelParam, type Share } from './coordinator.js';
export { buildReplica, serveDataParallel, type ReplicaBuilder, type ServeOptions } from './worker.js';
export type { CharRnnReplicaSpec, ParamSlot, PortMessageEvent, ReplicaModel, ReplicaParam, ReplicaSpec, Reply, Request, WorkerPort, WorkerScope } from './protocol.js';
