/** A reason the server cannot start, said in one line that names the setting to fix. */
export class StartupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** Why listening on HOST:PORT failed, in those terms; undefined for failures it cannot name. */
export function listenError(error: unknown, host: string, port: number): StartupError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason: Record<string, string> = {
    ENOTFOUND: `HOST=${host} does not resolve to an address`,
    EAI_AGAIN: `HOST=${host} could not be resolved (name lookup failed)`,
    EADDRNOTAVAIL: `HOST=${host} is not an address of this machine`,
    EADDRINUSE: `PORT=${port} is already in use on HOST=${host}`,
    EACCES: `PORT=${port} on HOST=${host} needs privileges this process does not have`,
  };
  return code && reason[code] ? new StartupError(`Cannot listen: ${reason[code]} (${code})`, { cause: error }) : undefined;
}
