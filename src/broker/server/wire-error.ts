/**
 * Errors as the protocol sends them ({@link WireError}): the class `name` and its fields, so
 * the client rebuilds the same class. A handler that wants another message on an API error
 * (naming the service and country, say) relays it: same name and fields, new message.
 */
import { toWireError, type WireError } from '../../contract/errors/wire.ts';

/** An error to send as `wire`, word for word. */
export class RelayedError extends Error {
  readonly wire: WireError;

  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
    this.wire = wire;
  }
}

/** `error`'s class and fields with a new message (and extra fields). */
export function relay(error: unknown, message: string, extra: Record<string, unknown> = {}): RelayedError {
  return new RelayedError({ ...errorToWire(error), ...extra, message });
}

/** What to send for `error`. */
export function errorToWire(error: unknown): WireError {
  return error instanceof RelayedError ? { ...error.wire } : toWireError(error);
}

/** A plain TempNumberError on the wire (no class of its own is needed). */
export function brokerError(message: string, fields: Record<string, unknown> = {}): RelayedError {
  return new RelayedError({ name: 'TempNumberError', message, ...fields });
}
