/**
 * The wire format of cluster requests and answers: many in one Redis message. Each entry is
 * `<id> <length> <text>`, entries back to back, so a text may hold any character; a request
 * message starts with its sender's process ID and a space, and an answer's text starts with `+`
 * (the answer) or `-` (an error's message).
 */
export interface Frame {
  id: number;
  text: string;
}

export function encodeFrames(frames: readonly Frame[]): string {
  let out = '';
  for (const { id, text } of frames) out += `${id} ${text.length} ${text}`;
  return out;
}

/** Reads `encodeFrames`' output from `start`; throws on a malformed message. */
export function decodeFrames(raw: string, start = 0): Frame[] {
  const frames: Frame[] = [];
  let at = start;
  while (at < raw.length) {
    const idEnd = raw.indexOf(' ', at);
    const lengthEnd = raw.indexOf(' ', idEnd + 1);
    const id = Number(raw.slice(at, idEnd));
    const length = Number(raw.slice(idEnd + 1, lengthEnd));
    if (idEnd < 0 || lengthEnd < 0 || !Number.isInteger(id) || !Number.isInteger(length) || lengthEnd + 1 + length > raw.length) {
      throw new Error('malformed cluster message');
    }
    frames.push({ id, text: raw.slice(lengthEnd + 1, lengthEnd + 1 + length) });
    at = lengthEnd + 1 + length;
  }
  return frames;
}

/**
 * Collects what is sent in one turn of the event loop and sends it together: requests to one
 * service, or answers to one process, become one message.
 */
export class FrameBatcher {
  private readonly waiting = new Map<string, Frame[]>();

  constructor(private readonly send: (destination: string, frames: Frame[]) => void) {}

  add(destination: string, frame: Frame): void {
    const frames = this.waiting.get(destination);
    if (frames) return void frames.push(frame);
    this.waiting.set(destination, [frame]);
    setImmediate(() => {
      const batch = this.waiting.get(destination)!;
      this.waiting.delete(destination);
      this.send(destination, batch);
    });
  }
}
