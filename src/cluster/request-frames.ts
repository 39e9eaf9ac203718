import type { Socket } from 'node:net';

/**
 * The wire format of cluster requests and answers on a connection between two processes. Each
 * frame is `<id> <length> <text>`, frames back to back, so a text may hold any character; an
 * answer's text starts with `+` (the answer) or `-` (an error's message).
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

/** The longest header a frame may have: two integers of up to 15 digits and their spaces. */
const MAX_HEADER = 32;
const HEADER_SO_FAR = /^\d*( \d*)?$/;
const INTEGER = /^\d{1,15}$/;
/** The longest text a frame may carry (a presence input is a few hundred characters). */
export const MAX_FRAME_TEXT = 1 << 20;

/** Reads frames from a stream whose chunks may cut a frame anywhere. */
export class FrameReader {
  private pending = '';

  /** The frames `chunk` completes; throws on what no more text could make a frame of. */
  push(chunk: string): Frame[] {
    const raw = this.pending + chunk;
    const frames: Frame[] = [];
    let at = 0;
    while (at < raw.length) {
      const idEnd = raw.indexOf(' ', at);
      const lengthEnd = idEnd < 0 ? -1 : raw.indexOf(' ', idEnd + 1);
      if (lengthEnd < 0) {
        if (raw.length - at > MAX_HEADER || !HEADER_SO_FAR.test(raw.slice(at))) throw new Error('malformed cluster frame');
        break;
      }
      const [id, length] = [raw.slice(at, idEnd), raw.slice(idEnd + 1, lengthEnd)];
      if (!INTEGER.test(id) || !INTEGER.test(length) || Number(length) > MAX_FRAME_TEXT) throw new Error('malformed cluster frame');
      const end = lengthEnd + 1 + Number(length);
      if (end > raw.length) break;
      frames.push({ id: Number(id), text: raw.slice(lengthEnd + 1, end) });
      at = end;
    }
    this.pending = raw.slice(at);
    return frames;
  }
}

/** Frames written to a socket in one turn of the event loop go in one write. */
export class FrameWriter {
  private waiting: Frame[] | null = null;

  constructor(private readonly socket: Socket) {}

  add(frame: Frame): void {
    if (this.waiting) return void this.waiting.push(frame);
    this.waiting = [frame];
    setImmediate(() => {
      const frames = this.waiting!;
      this.waiting = null;
      if (!this.socket.destroyed) this.socket.write(encodeFrames(frames));
    });
  }
}
