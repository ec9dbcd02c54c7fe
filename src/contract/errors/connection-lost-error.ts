import { TempNumberError } from './tempnumber-error.ts';

/**
 * The socket to the broker closed while a request was out. Internal signal: the client turns it
 * into a reconnect or into a {@link BrokerUnavailableError} that says what happened.
 */
export class ConnectionLostError extends TempNumberError {
  override name = 'ConnectionLostError';
  readonly socketPath: string;

  constructor(socketPath: string) {
    super(`The connection to the broker at ${socketPath} closed.`);
    this.socketPath = socketPath;
  }
}
