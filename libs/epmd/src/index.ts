export * from './protocol';
export { EpmdServer } from './server';
export type { EpmdServerOptions } from './server';
export { MemoryStore, ZkStore } from './store';
export type { EpmdStore, RegistrationOwner } from './store';
export { EpmdClient } from './client';
export type { EpmdClientOptions, LookupSession, Registered } from './client';
export { TRANSPORT_KINDS, transportFor } from './transport';
export type { Connection, Listener, Transport, TransportKind } from './transport';
