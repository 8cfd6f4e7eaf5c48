export { CODES, FrameDecoder, RiakPbError, decodeFrame, encodeFrame, encodeMessage } from './codec';
export type { Decoded, Frame, MessageName } from './codec';
export { RiakError, RiakPbClient } from './client';
export type { GetOptions, RiakObject } from './client';
