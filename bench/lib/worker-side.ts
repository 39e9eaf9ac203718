/** The worker's side of the protocol in lib/workers.ts. */
export function serveJob<Job, Ready, Result>(handlers: {
  setup: (job: Job) => Promise<Ready>;
  run: () => void;
  stop: () => Promise<Result>;
}): void {
  process.on('message', async (message: { type: string; body?: unknown }) => {
    if (message.type === 'job') process.send!({ type: 'ready', body: await handlers.setup(message.body as Job) });
    else if (message.type === 'start') handlers.run();
    else if (message.type === 'stop') {
      // The parent ends this process once it has the result; disconnecting here could cut a
      // large result off before it is flushed.
      process.send!({ type: 'result', body: await handlers.stop() });
    }
  });
  process.send!({ type: 'online' });

}
